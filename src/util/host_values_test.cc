#include "util/host_values.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vfg {
namespace {

std::string why(const Status& status) { return status ? "" : status.error().message; }

TEST(HostValues, AccountNamesFollowUseradd) {
  for (const std::string& name :
       std::vector<std::string>{"alice", "_vfg", "kvm", "user-1", "a_b", std::string(32, 'a')})
    EXPECT_TRUE(check_account_name(name)) << name;
  EXPECT_EQ(why(check_account_name("alice\n* hard memlock unlimited")),
            "contains a newline; account names use only a-z, 0-9, '_' and '-'");
  EXPECT_EQ(why(check_account_name("kvm\", RUN+=\"/bin/sh")),
            "contains '\"'; account names use only a-z, 0-9, '_' and '-'");
  for (const std::string& bad : std::vector<std::string>{"", "*", "@wheel", "Alice", "1user", "-rf",
                                                         "a b", "x$", "a:b", std::string(33, 'a')})
    EXPECT_FALSE(check_account_name(bad)) << bad;
}

TEST(HostValues, PathsStayUnderTheirDirectory) {
  EXPECT_TRUE(check_path_under("/dev/shm/looking-glass", "/dev/shm"));
  EXPECT_TRUE(check_path_under("/dev/shm/lg/win11.1", "/dev/shm"));
  EXPECT_EQ(why(check_path_under("/dev/shm/lg\nL+ /etc/sudoers.d/x - - - - /tmp/x", "/dev/shm")),
            "contains a newline; a path written into host files may only use letters, digits, "
            "'/' and ._+,:@=-");
  EXPECT_EQ(why(check_path_under("/etc/sudoers.d/x", "/dev/shm")), "is not a file under /dev/shm/");
  EXPECT_EQ(why(check_path_under("/dev/shm/../../etc/shadow", "/dev/shm")),
            "has an empty, '.' or '..' part; write the plain path under /dev/shm/");
  for (auto bad :
       {"/dev/shm", "/dev/shm/", "/dev/shmx/a", "/dev/shm//a", "/dev/shm/a/.", "/dev/shm/a b",
        "/dev/shm/a\tb", "/dev/shm/*", "/dev/shm/a?", "/dev/shm/[a]", "/dev/shm/%h", "/dev/shm/$x",
        "/dev/shm/a\"b", "/dev/shm/a'b", "/dev/shm/a\\b", "dev/shm/a", "/dev/shm/a\x7f"})
    EXPECT_FALSE(check_path_under(bad, "/dev/shm")) << bad;
}

TEST(HostValues, UdevMatchValuesCannotLeaveTheirString) {
  for (auto value :
       {"Samsung_SSD_980_PRO_1TB_S5GXNF0R123456", "0x5000c500a1b2c3d4",
        "8a6c2d5e-1f3b-4c7d-9e0a-b1c2d3e4f5a6", "WDC_WD40EFRX-68N32N0_WD-WCC7K1234567"})
    EXPECT_TRUE(check_udev_match_value(value)) << value;
  EXPECT_EQ(why(check_udev_match_value("x\", GROUP=\"disk")),
            "contains '\"'; a device identifier in a udev rule may only use letters, digits "
            "and ._:+-");
  for (auto bad : {"", "*", "a?", "[ab]", "a|b", "a b", "a\nb", "$kernel", "%k", "a\\x20b"})
    EXPECT_FALSE(check_udev_match_value(bad)) << bad;
}

TEST(HostValues, ModuleNames) {
  for (auto name : {"nvidia", "snd_hda_intel", "i2c-nvidia-gpu", "vfio-pci"})
    EXPECT_TRUE(check_module_name(name)) << name;
  EXPECT_EQ(why(check_module_name("nvidia\ninstall vfio_pci /bin/sh")),
            "contains a newline; module names use only letters, digits, '_' and '-'");
  for (const std::string& bad :
       std::vector<std::string>{"", "a b", "a;b", "a/b", "a=b", std::string(56, 'a')})
    EXPECT_FALSE(check_module_name(bad)) << bad;
}

TEST(HostValues, UsbPorts) {
  for (auto port : {"3-1", "3-1.4", "1-10.2.3", "12-4"}) EXPECT_TRUE(check_usb_port(port)) << port;
  for (auto bad :
       {"", "3", "-1", "3-", "3-1.", "3-.1", "3-1..2", "a-1", "3-1\"", "3-1*", "3-1-2", "3-1\nRUN"})
    EXPECT_FALSE(check_usb_port(bad)) << bad;
}

TEST(HostValues, KernelParameters) {
  for (auto word : {"iommu=pt", "intel_iommu=on", "hugepages=16", "rd.driver.pre=vfio_pci",
                    "vfio-pci.ids=10de:2684,10de:22ba", "quiet", "root=/dev/sda1"})
    EXPECT_TRUE(check_kernel_param(word)) << word;
  EXPECT_EQ(why(check_kernel_param("iommu=pt\"; rm -rf /; \"")),
            "has '\"' in its value; setup writes only letters, digits and _.,:/+- there");
  for (auto bad : {"", "=x", "a b", "a=$(reboot)", "a=`id`", "a=x y", "a\n=b", "a=x'", "a=x\\",
                   "a=x;", "a=x#"})
    EXPECT_FALSE(check_kernel_param(bad)) << bad;
}

TEST(HostValues, CommentText) {
  EXPECT_TRUE(check_comment_text("win11 (gaming)"));
  EXPECT_EQ(why(check_comment_text("win11\nSUBSYSTEM==\"block\", MODE=\"0666\"")),
            "contains a newline; write it on one line");
  EXPECT_FALSE(check_comment_text("a\rb"));
}

}  // namespace
}  // namespace vfg
