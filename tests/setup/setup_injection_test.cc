// A VM definition, --user/--group and a --root tree are untrusted: every value of
// theirs that lands in a root-owned file (tmpfiles, udev, modprobe, limits) is
// refused before a plan exists — by the loader with file:line:key, and again by
// setup for what reaches it another way. Kernel parameters and initramfs module
// names are setup's own (numbers and fixed names), checked by their grammar in
// util/host_values_test.cc.
#include <fstream>

#include <gtest/gtest.h>

#include "setup/access_gen.h"
#include "setup/gather.h"
#include "setup/request_check.h"
#include "support/run_vfg.h"
#include "support/setup_tree.h"
#include "vm/config_loader.h"

namespace vfg {
namespace {

SetupRequest valid_request() {
  SetupRequest request;
  request.user.name = "alice";
  request.group = "kvm";
  request.bind = {{"0000:01:00.0", 0x10de, 0x2684, 0x030000, "nvidia"}};
  SetupVm vm;
  vm.needs.vm = "win11";
  DeviceNodeNeed shm;
  shm.kind = DeviceNodeNeed::Kind::kSharedFile;
  shm.path = "/dev/shm/looking-glass";
  vm.needs.nodes.push_back(shm);
  vm.disks = {*disk_from_path("/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNF0R123456")};
  vm.usb = {{"3-1.4", 0, 0}};
  request.vms.push_back(vm);
  return request;
}

std::string refusal(const SetupRequest& request) {
  auto checked = check_setup_request(request);
  return checked ? "" : checked.error().message;
}

TEST(SetupInjection, TheValidRequestPasses) { EXPECT_EQ(refusal(valid_request()), ""); }

TEST(SetupInjection, TmpfilesLineCannotBeExtended) {
  SetupRequest request = valid_request();
  request.vms[0].needs.nodes[0].path = "/dev/shm/lg 0660 root root -\nL+ /etc/sudoers.d/x";
  EXPECT_EQ(refusal(request),
            "VM 'win11': looking_glass.shm_path '/dev/shm/lg 0660 root root -\nL+ "
            "/etc/sudoers.d/x' contains whitespace; a path written into host files may only use "
            "letters, digits, '/' and ._+,:@=-");
  request.vms[0].needs.nodes[0].path = "/etc/sudoers.d/vfg";
  EXPECT_NE(refusal(request).find("is not a file under /dev/shm/"), std::string::npos);
  request.vms[0].needs.nodes[0].path = "/dev/shm/../../etc/shadow";
  EXPECT_NE(refusal(request).find("'..' part"), std::string::npos);
  request = valid_request();
  request.user.name = "alice root";  // tmpfiles splits on whitespace: owner "alice", group "root"
  EXPECT_NE(refusal(request).find("user 'alice root' contains whitespace"), std::string::npos);
}

TEST(SetupInjection, UdevRuleCannotBeWidened) {
  SetupRequest request = valid_request();
  request.vms[0].disks[0].value = "*";  // every disk
  EXPECT_NE(refusal(request).find("disk '*' contains '*'"), std::string::npos);
  request.vms[0].disks[0].value = "X\", GROUP=\"disk";
  EXPECT_NE(refusal(request).find("contains '\"'"), std::string::npos);
  request = valid_request();
  request.vms[0].usb[0].port = "3-1*";
  EXPECT_NE(refusal(request).find("USB port '3-1*' is not a USB port"), std::string::npos);
  request = valid_request();
  request.group = "kvm\", RUN+=\"/bin/sh -c id";
  EXPECT_NE(refusal(request).find("group 'kvm\", RUN+="), std::string::npos);
  request = valid_request();
  request.vms[0].needs.vm = "win11\nSUBSYSTEM==\"block\", MODE=\"0666\"";  // into a comment line
  EXPECT_NE(refusal(request).find("contains a newline"), std::string::npos);
  request = valid_request();
  request.vms[0].disks[0].property = "DEVNAME";
  EXPECT_NE(refusal(request).find("not 'DEVNAME'"), std::string::npos);
}

TEST(SetupInjection, ModprobeLinesComeOnlyFromModuleNames) {
  SetupRequest request = valid_request();
  // A --root tree's driver symlink name is written into a softdep line.
  request.bind[0].driver = "nvidia\ninstall vfio_pci /bin/sh -c id";
  EXPECT_NE(refusal(request).find("driver of 0000:01:00.0 'nvidia\ninstall"), std::string::npos);
  request = valid_request();
  request.bind[0].address = "0000:01:00.0 0000:02:00.0";
  EXPECT_NE(refusal(request).find("is not a PCI address"), std::string::npos);
}

TEST(SetupInjection, LimitsLineCannotNameOthers) {
  for (auto user : {"*", "@wheel", "alice\n* hard memlock unlimited", "%wheel"}) {
    SetupRequest request = valid_request();
    request.user.name = user;
    EXPECT_NE(refusal(request), "") << user;
  }
}

// What the loader says, with file:line:key, so the user knows where to look.
std::string problems(const std::string& text) {
  return parse_vm_config(text, "win11.toml", "win11").diagnostics.render();
}

TEST(SetupInjection, TheLoaderRefusesWithFileLineAndKey) {
  EXPECT_EQ(problems("[looking_glass]\nenabled = true\nbackend = \"shm\"\n"
                     "shm_path = \"/dev/shm/lg\\nL+ /etc/sudoers.d/x - - - - /tmp/x\"\n"),
            "win11.toml:4:12: error: key 'looking_glass.shm_path': '/dev/shm/lg\nL+ "
            "/etc/sudoers.d/x - - - - /tmp/x' contains a newline; a path written into host files "
            "may only use letters, digits, '/' and ._+,:@=-\n");
  EXPECT_EQ(problems("[looking_glass]\nenabled = true\nbackend = \"shm\"\n"
                     "shm_path = \"/etc/sudoers.d/vfg\"\n"),
            "win11.toml:4:12: error: key 'looking_glass.shm_path': '/etc/sudoers.d/vfg' is not a "
            "file under /dev/shm/\n");
  EXPECT_EQ(problems("[[disk]]\npath = \"/dev/disk/by-id/nvme-X\\\", GROUP=\\\"disk\"\n"),
            "win11.toml:2:8: error: key 'disk[0].path': '/dev/disk/by-id/nvme-X\", "
            "GROUP=\"disk' contains '\"'; a path written into host files may only use "
            "letters, digits, '/' and ._+,:@=-\n");
  EXPECT_EQ(problems("[[disk]]\npath = \"/dev/disk/by-id/nvme-*\"\n"),
            "win11.toml:2:8: error: key 'disk[0].path': '/dev/disk/by-id/nvme-*' contains '*'; a "
            "path written into host files may only use letters, digits, '/' and ._+,:@=-\n");
  EXPECT_EQ(problems("[[disk]]\npath = \"/dev/disk/by-id/nvme-a,b\"\n"),
            "win11.toml:2:8: error: key 'disk[0].path': '/dev/disk/by-id/nvme-a,b' contains ','; "
            "a device identifier in a udev rule may only use letters, digits and ._:+-\n");
  // The default and ordinary values pass.
  EXPECT_EQ(problems("[looking_glass]\nenabled = true\nbackend = \"shm\"\n"), "");
  EXPECT_EQ(problems("[[disk]]\npath = \"/dev/disk/by-partuuid/8a6c2d5e-1f3b-4c7d\"\n"), "");
}

// The whole command as a user runs it: `vfg setup --apply` with a crafted definition,
// --user or --group (or a group udev would ignore) stops with the reason and a non-zero exit
// status, and the tree (its /etc above all) stays byte for byte as it was.
TEST(SetupInjection, ApplyRefusesAndWritesNothing) {
  testing::ScratchDir dir;
  testing::compose_host(dir, "arch-grub", "intel-igpu-nvidia");
  std::ofstream(dir / "sudoers.toml")
      << "[[gpu]]\naddress = \"01:00.0\"\n[looking_glass]\nenabled = true\nbackend = "
         "\"shm\"\nshm_path = \"/dev/shm/lg 0660 root root -\\nL+ /etc/sudoers.d/x - - - - "
         "/tmp/x\"\n";
  std::ofstream(dir / "every-disk.toml") << "[[disk]]\npath = \"/dev/disk/by-id/*\"\n";
  // A regular group: udev from systemd 258 ignores GROUP= for it.
  std::ofstream(dir / "etc/group", std::ios::app) << "gamers:x:1001:alice\n";
  auto before = testing::snapshot(dir.path());
  const std::string root = dir.path().string();
  struct Attempt {
    std::vector<std::string> args;
    std::string says;
  };
  const Attempt attempts[] = {
      {{"--user", "alice", (dir / "sudoers.toml").string()},
       "sudoers.toml:6:12: error: key 'looking_glass.shm_path'"},
      {{"--user", "alice", (dir / "every-disk.toml").string()},
       "every-disk.toml:2:8: error: key 'disk[0].path'"},
      {{"--user", "alice", "--gpu", "01:00.0", "--group", "kvm\", RUN+=\"/bin/sh -c id"},
       "group 'kvm\", RUN+="},
      {{"--gpu", "01:00.0", "--user", "alice root"}, "user 'alice root' contains whitespace"},
      {{"--user", "alice", "--gpu", "01:00.0", "--group", "gamers"},
       "group 'gamers' has gid 1001, which is not a system group"},
  };
  for (const auto& attempt : attempts) {
    std::vector<std::string> args{"--root", root, "setup", "--apply"};
    args.insert(args.end(), attempt.args.begin(), attempt.args.end());
    auto run = testing::run_vfg(args);
    EXPECT_GE(run.exit_code, 1) << attempt.says << "\n" << run.out;
    EXPECT_NE(run.err.find(attempt.says), std::string::npos) << run.err;
    EXPECT_EQ(run.out.find("Applied"), std::string::npos) << run.out;
    EXPECT_EQ(testing::snapshot_difference(testing::snapshot(dir.path()), before), "")
        << attempt.says;
  }
}

}  // namespace
}  // namespace vfg
