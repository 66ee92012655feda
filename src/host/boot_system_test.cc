#include "host/boot_system.h"

#include <gtest/gtest.h>

#include "host/host_root.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

using Paths = std::vector<std::string>;

// Limine reads the first config it finds; setup edits every one it may read, found
// where Limine looks on each partition that can hold it.
TEST(BootSetup, FindsLimineConfigsWhereLimineLooks) {
  testing::TempDir tree;
  tree.write("boot/EFI/arch-limine/limine.conf", "/Arch\n");
  tree.write("boot/EFI/arch-limine/BOOTX64.EFI", "");
  tree.write("efi/EFI/BOOT/limine.conf", "/Arch\n");
  tree.write("boot/limine/limine.conf", "/Arch\n");
  tree.write("boot/limine.cfg", ":Arch\n");  // before Limine 8
  tree.write("boot/grub/not-limine.conf", "");
  BootSetup boot = detect_boot_setup(HostRoot(tree.path()));
  EXPECT_EQ(boot.bootloader, Bootloader::kLimine);
  EXPECT_EQ(boot.limine_configs,
            (Paths{"/boot/limine/limine.conf", "/boot/limine.cfg", "/efi/EFI/BOOT/limine.conf",
                   "/boot/EFI/arch-limine/limine.conf"}));
  EXPECT_TRUE(boot.limine_sources.empty());
}

// limine-entry-tool regenerates limine.conf from its bash files: those are the sources,
// and they win over an /etc/kernel/cmdline such systems often have too.
TEST(BootSetup, LimineEntryToolSourcesInTheOrderItReadsThem) {
  testing::TempDir tree;
  tree.write("etc/limine-entry-tool.d/20-b.conf", "");
  tree.write("etc/limine-entry-tool.d/10-a.conf", "");
  tree.write("etc/limine-entry-tool.d/README", "");
  tree.write("etc/default/limine", "KERNEL_CMDLINE[default]+=\"rw\"\n");
  tree.write("etc/kernel/cmdline", "root=UUID=x rw\n");
  tree.write("boot/limine.conf", "/CachyOS\n");
  BootSetup boot = detect_boot_setup(HostRoot(tree.path()));
  EXPECT_EQ(boot.bootloader, Bootloader::kLimine);
  EXPECT_EQ(boot.limine_sources, (Paths{"/etc/default/limine", "/etc/limine-entry-tool.d/10-a.conf",
                                        "/etc/limine-entry-tool.d/20-b.conf"}));
}

// grub-mkconfig sources /etc/default/grub.d/*.cfg in glob order, whatever order the
// directory lists them in.
TEST(BootSetup, GrubDropInsInGlobOrder) {
  testing::TempDir tree;
  tree.write("etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
  tree.write("boot/grub/grub.cfg", "");
  tree.write("etc/default/grub.d/50-cloudimg-settings.cfg", "");
  tree.write("etc/default/grub.d/init-select.cfg", "");
  tree.write("etc/default/grub.d/40-force-partuuid.cfg", "");
  tree.write("etc/default/grub.d/99-disabled.cfg.bak", "");
  BootSetup boot = detect_boot_setup(HostRoot(tree.path()));
  EXPECT_EQ(boot.bootloader, Bootloader::kGrub);
  EXPECT_EQ(boot.grub_dropins, (Paths{"/etc/default/grub.d/40-force-partuuid.cfg",
                                      "/etc/default/grub.d/50-cloudimg-settings.cfg",
                                      "/etc/default/grub.d/init-select.cfg"}));
}

// Ubuntu upgraded to 25.10 builds its initramfs with dracut while /etc/initramfs-tools
// (conffiles) and an update-initramfs stay behind; mkinitramfs goes with the old tool.
TEST(BootSetup, DracutOnUbuntuUpgradedTo2510) {
  testing::TempDir tree;
  tree.write("etc/initramfs-tools/modules", "# List of modules\n");
  tree.write("etc/initramfs-tools/initramfs.conf", "MODULES=most\n");
  tree.write("usr/sbin/update-initramfs", "");
  tree.write("usr/bin/dracut", "");
  EXPECT_EQ(detect_boot_setup(HostRoot(tree.path())).initramfs, InitramfsTool::kDracut);
  // Before the switch (or with initramfs-tools still installed): initramfs-tools.
  tree.write("usr/sbin/mkinitramfs", "");
  EXPECT_EQ(detect_boot_setup(HostRoot(tree.path())).initramfs, InitramfsTool::kInitramfsTools);
  std::filesystem::remove(tree / "usr/bin/dracut");
  std::filesystem::remove(tree / "usr/sbin/mkinitramfs");
  EXPECT_EQ(detect_boot_setup(HostRoot(tree.path())).initramfs, InitramfsTool::kInitramfsTools);
}

// Secure Boot from its EFI variable (4 attribute bytes, then the value); rebuilt UKIs
// are signed again by sbctl or by ukify keys in /etc/kernel/uki.conf.
TEST(BootSetup, SecureBootAndWhoSignsRebuiltUkis) {
  testing::TempDir tree;
  tree.write("etc/kernel/cmdline", "root=UUID=x rw\n");
  tree.write("efi/EFI/Linux/arch-linux.efi", "");
  tree.write("sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
             std::string("\x06\x00\x00\x00\x01", 5));
  BootSetup boot = detect_boot_setup(HostRoot(tree.path()));
  EXPECT_TRUE(boot.secure_boot);
  EXPECT_EQ(boot.ukis, Paths{"/efi/EFI/Linux/arch-linux.efi"});
  EXPECT_FALSE(boot.signs_ukis);
  EXPECT_TRUE(boot.unsigned_uki_rebuild());

  tree.write("etc/kernel/uki.conf",
             "[UKI]\nSecureBootPrivateKey=/etc/kernel/secure-boot-private-key.pem\n"
             "SecureBootCertificate=/etc/kernel/secure-boot-certificate.pem\n");
  boot = detect_boot_setup(HostRoot(tree.path()));
  EXPECT_TRUE(boot.signs_ukis);
  EXPECT_FALSE(boot.unsigned_uki_rebuild());

  tree.write("etc/kernel/uki.conf", "[UKI]\n");
  tree.write("usr/bin/sbctl", "");
  EXPECT_TRUE(detect_boot_setup(HostRoot(tree.path())).signs_ukis);

  tree.write("sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
             std::string("\x06\x00\x00\x00\x00", 5));
  EXPECT_FALSE(detect_boot_setup(HostRoot(tree.path())).secure_boot);
}

}  // namespace
}  // namespace vfg
