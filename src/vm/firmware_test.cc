#include "vm/firmware.h"

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/file_io.h"

namespace vfg {
namespace {

std::string descriptor(const std::string& code, const std::string& vars,
                       const std::string& features) {
  return R"({"interface-types": ["uefi"], "mapping": {"device": "flash", "executable": )"
         R"({"filename": ")" +
         code + R"(", "format": "raw"}, "nvram-template": {"filename": ")" + vars +
         R"(", "format": "raw"}}, "targets": [{"architecture": "x86_64", "machines": )"
         R"(["pc-q35-*"]}], "features": [)" +
         features + "]}";
}

// Debian 12's own descriptors, as installed on this machine.
TEST(Firmware, PicksDebiansPlainBuildWithoutSecureBoot) {
  HostRoot root;
  auto files = find_firmware({&root, {}}, {"pc-q35-7.2", false});
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(files->descriptor, "/usr/share/qemu/firmware/60-edk2-x86_64.json");
  EXPECT_EQ(files->code, "/usr/share/OVMF/OVMF_CODE_4M.fd");
  EXPECT_EQ(files->vars_template, "/usr/share/OVMF/OVMF_VARS_4M.fd");
  EXPECT_EQ(files->code_format, "raw");
  EXPECT_FALSE(files->requires_smm);
  EXPECT_FALSE(files->secure_boot);
}

TEST(Firmware, PicksDebiansEnrolledBuildForSecureBoot) {
  HostRoot root;
  auto files = find_firmware({&root, {}}, {"pc-q35-7.2", true});
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(files->descriptor, "/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json");
  EXPECT_EQ(files->code, "/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
  EXPECT_EQ(files->vars_template, "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
  EXPECT_TRUE(files->requires_smm);
  EXPECT_TRUE(files->secure_boot);
}

TEST(Firmware, MatchesConcreteMachineTypesOnly) {
  HostRoot root;
  // Descriptors list "pc-q35-*": the alias "q35" must be resolved first.
  auto files = find_firmware({&root, {}}, {"q35", false});
  ASSERT_FALSE(files);
  EXPECT_NE(files.error().message.find("for machine 'q35'"), std::string::npos);
}

TEST(Firmware, HonoursFedorasQcow2Descriptors) {
  HostRoot root(testing::source_path("tests/fixtures/firmware/fedora"));
  auto plain = find_firmware({&root, {}}, {"pc-q35-9.1", false});
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->descriptor, "/usr/share/qemu/firmware/50-edk2-ovmf-4m-qcow2-x64-nosb.json");
  EXPECT_EQ(plain->code, "/usr/share/edk2/ovmf/OVMF_CODE_4M.qcow2");
  EXPECT_EQ(plain->code_format, "qcow2");
  EXPECT_EQ(plain->vars_template, "/usr/share/edk2/ovmf/OVMF_VARS_4M.qcow2");
  EXPECT_EQ(plain->vars_format, "qcow2");
  auto secure = find_firmware({&root, {}}, {"pc-q35-9.1", true});
  ASSERT_TRUE(secure);
  // The stateless TDX build sorts first but has no variable store to copy.
  EXPECT_EQ(secure->descriptor,
            "/usr/share/qemu/firmware/30-edk2-ovmf-4m-qcow2-x64-sb-enrolled.json");
  EXPECT_EQ(secure->code, "/usr/share/edk2/ovmf/OVMF_CODE_4M.secboot.qcow2");
  EXPECT_EQ(secure->vars_format, "qcow2");
}

// Arch's edk2-ovmf builds Secure Boot but enrolls no keys; the IA32 build
// for x86_64 is no choice for Windows either.
TEST(Firmware, ArchsSetHasNoEnrolledKeysAndSaysHowToEnrollThem) {
  HostRoot root(testing::source_path("tests/fixtures/firmware/arch"));
  auto plain = find_firmware({&root, {}}, {"pc-q35-11.1", false});
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->descriptor, "/usr/share/qemu/firmware/70-edk2-ovmf-x86_64-csm-4m.json");
  EXPECT_EQ(plain->code, "/usr/share/edk2/x64/OVMF_CODE.csm.4m.fd");
  EXPECT_FALSE(plain->requires_smm);
  auto secure = find_firmware({&root, {}}, {"pc-q35-11.1", true});
  ASSERT_FALSE(secure);
  EXPECT_EQ(secure.error().message,
            "the QEMU firmware descriptors offer Secure Boot only without Microsoft's keys "
            "enrolled (/usr/share/qemu/firmware/50-edk2-ovmf-x86_64-secure-4m.json), which "
            "Windows needs; Arch's edk2-ovmf has no variable store with Microsoft's keys; enroll "
            "them into a copy (sudo pacman -S virt-firmware; virt-fw-vars --input "
            "/usr/share/edk2-ovmf/x64/OVMF_VARS.4m.fd --output ~/OVMF_VARS.ms.fd --secure-boot "
            "--enroll-redhat) and set firmware.code = "
            "\"/usr/share/edk2-ovmf/x64/OVMF_CODE.secboot.4m.fd\" and firmware.vars to that copy");
}

// Fedora without its enrolled descriptors (say, masked by the admin): the
// fix names Fedora's package.
TEST(Firmware, FedoraWithoutTheEnrolledBuildNamesItsPackage) {
  testing::TempDir tree;
  tree.write("etc/os-release", "ID=fedora\nVERSION_ID=43\n");
  std::string fedora =
      testing::source_path("tests/fixtures/firmware/fedora/usr/share/qemu/firmware");
  for (const char* name :
       {"40-edk2-ovmf-4m-qcow2-x64-sb.json", "50-edk2-ovmf-4m-qcow2-x64-nosb.json"})
    tree.write(std::string("usr/share/qemu/firmware/") + name,
               read_file(fedora + "/" + name).value_or(""));
  HostRoot root(tree.path());
  auto secure = find_firmware({&root, {}}, {"pc-q35-11.1", true});
  ASSERT_FALSE(secure);
  EXPECT_NE(secure.error().message.find("40-edk2-ovmf-4m-qcow2-x64-sb.json), which Windows needs; "
                                        "sudo dnf install edk2-ovmf (its *-sb-enrolled build)"),
            std::string::npos)
      << secure.error().message;
}

TEST(Firmware, MoreSpecificDirectoriesOverrideAndEmptyFilesMask) {
  testing::TempDir tree;
  tree.write("usr/share/qemu/firmware/40-sb.json",
             descriptor("/fw/SB_CODE.fd", "/fw/SB_VARS.fd",
                        R"("secure-boot", "enrolled-keys", "requires-smm")"));
  tree.write("usr/share/qemu/firmware/60-plain.json", descriptor("/fw/CODE.fd", "/fw/VARS.fd", ""));
  tree.write("usr/share/qemu/firmware/README", "not a descriptor");
  HostRoot root(tree.path());
  auto files = find_firmware({&root, {}}, {"pc-q35-7.2", false});
  ASSERT_TRUE(files);
  EXPECT_EQ(files->code, "/fw/CODE.fd");

  // The admin hides the plain build: the SMM build is the only one left.
  tree.write("etc/qemu/firmware/60-plain.json", "");
  files = find_firmware({&root, {}}, {"pc-q35-7.2", false});
  ASSERT_TRUE(files);
  EXPECT_EQ(files->code, "/fw/SB_CODE.fd");
  EXPECT_TRUE(files->requires_smm);

  // The user brings their own build under the same name.
  tree.write("user/60-plain.json", descriptor("/home/u/CODE.fd", "/home/u/VARS.fd", ""));
  files = find_firmware({&root, tree / "user"}, {"pc-q35-7.2", false});
  ASSERT_TRUE(files);
  EXPECT_EQ(files->code, "/home/u/CODE.fd");
  EXPECT_EQ(files->descriptor, (tree / "user/60-plain.json").string());

  // Nothing matches an i440fx machine.
  auto none = find_firmware({&root, tree / "user"}, {"pc-i440fx-7.2", false});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message,
            "none of the QEMU firmware descriptors (/usr/share/qemu/firmware/40-sb.json, " +
                (tree / "user/60-plain.json").string() +
                ") offers UEFI firmware for machine 'pc-i440fx-7.2'; install OVMF "
                "(Debian/Ubuntu: ovmf, Fedora and Arch: edk2-ovmf) or set firmware.code and "
                "firmware.vars");
}

TEST(Firmware, CopiesTheVariableStoreOnceOnly) {
  testing::TempDir dir;
  FirmwareFiles files;
  files.vars_template = dir.write("VARS.fd", "template").string();
  auto copy = ensure_vars_copy(files, dir / "data/win/OVMF_VARS.fd");
  ASSERT_TRUE(copy) << copy.error().message;
  EXPECT_EQ(dir.read("data/win/OVMF_VARS.fd"), "template");
  // The guest wrote its boot entries: a second start keeps them.
  dir.write("data/win/OVMF_VARS.fd", "guest state");
  ASSERT_TRUE(ensure_vars_copy(files, dir / "data/win/OVMF_VARS.fd"));
  EXPECT_EQ(dir.read("data/win/OVMF_VARS.fd"), "guest state");
  files.vars_template = (dir / "missing.fd").string();
  EXPECT_FALSE(ensure_vars_copy(files, dir / "other/OVMF_VARS.fd"));
}

}  // namespace
}  // namespace vfg
