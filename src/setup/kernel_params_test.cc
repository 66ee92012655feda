#include "setup/kernel_params.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "util/process.h"

namespace vfg {
namespace {

const std::vector<KernelParam> kIommu = {{"intel_iommu", "on"}, {"iommu", "pt"}};

// What bash sees in the variable after sourcing the file, as grub-mkconfig does.
std::string sourced(const std::string& file, const std::string& variable) {
  testing::TempDir dir;
  auto path = dir.write("grub", file);
  auto out = run_command(
      {"bash", "-c", "set -e; . \"$1\"; printf %s \"${" + variable + "}\"", "bash", path.string()});
  EXPECT_TRUE(out && out->status.success()) << (out ? out->err : out.error().message);
  return out ? out->out : "";
}

TEST(KernelParams, SetsKeepsAndReplaces) {
  EXPECT_EQ(set_params("quiet splash", kIommu), "quiet splash intel_iommu=on iommu=pt");
  EXPECT_EQ(set_params("quiet  intel_iommu=off splash\n", kIommu),
            "quiet  intel_iommu=on splash iommu=pt\n");
  EXPECT_EQ(set_params("", kIommu), "intel_iommu=on iommu=pt");
  EXPECT_EQ(set_params("a intel_iommu=on iommu=pt", kIommu), "a intel_iommu=on iommu=pt");
  EXPECT_EQ(set_params("x=\"a b\" y", {{"iommu", "pt"}}), "x=\"a b\" y iommu=pt");
  // Module parameters: '-' and '_' name the same key.
  EXPECT_EQ(set_params("vfio-pci.ids=1:2", {{"vfio_pci.ids", "3:4"}}), "vfio_pci.ids=3:4");
  EXPECT_TRUE(missing_params("iommu=pt intel_iommu=on", kIommu).empty());
  EXPECT_EQ(missing_params("intel_iommu=off", kIommu).size(), 2u);
}

TEST(KernelParams, EditsGrubDefaultKeepingEverythingElse) {
  const std::string grub =
      "# comment GRUB_CMDLINE_LINUX_DEFAULT=\"no\"\n"
      "GRUB_DEFAULT=0\n"
      "#GRUB_CMDLINE_LINUX_DEFAULT=\"commented out\"\n"
      "GRUB_CMDLINE_LINUX_DEFAULT=\"loglevel=3 quiet\"   # trailing comment\n"
      "GRUB_CMDLINE_LINUX=\"\"\n";
  auto edited = edit_shell_cmdline_var(grub, "GRUB_CMDLINE_LINUX_DEFAULT", kIommu);
  ASSERT_TRUE(edited);
  EXPECT_EQ(*edited,
            "# comment GRUB_CMDLINE_LINUX_DEFAULT=\"no\"\n"
            "GRUB_DEFAULT=0\n"
            "#GRUB_CMDLINE_LINUX_DEFAULT=\"commented out\"\n"
            "GRUB_CMDLINE_LINUX_DEFAULT=\"loglevel=3 quiet intel_iommu=on iommu=pt\"   # trailing "
            "comment\n"
            "GRUB_CMDLINE_LINUX=\"\"\n");
  EXPECT_EQ(sourced(*edited, "GRUB_CMDLINE_LINUX_DEFAULT"),
            "loglevel=3 quiet intel_iommu=on iommu=pt");
  // Applying again changes nothing.
  EXPECT_EQ(*edit_shell_cmdline_var(*edited, "GRUB_CMDLINE_LINUX_DEFAULT", kIommu), *edited);
}

TEST(KernelParams, EditsEveryQuoteStyleAsBashReadsIt) {
  struct Case {
    std::string file;
    std::string expected;
  } cases[] = {
      {"GRUB_CMDLINE_LINUX_DEFAULT='quiet splash'\n", "quiet splash intel_iommu=on iommu=pt"},
      {"GRUB_CMDLINE_LINUX_DEFAULT=quiet\n", "quiet intel_iommu=on iommu=pt"},
      {"GRUB_CMDLINE_LINUX_DEFAULT=\n", "intel_iommu=on iommu=pt"},
      {"export GRUB_CMDLINE_LINUX_DEFAULT=\"a\"\n", "a intel_iommu=on iommu=pt"},
      {"GRUB_TIMEOUT=5", "intel_iommu=on iommu=pt"},  // missing variable, no final newline
      {"GRUB_CMDLINE_LINUX_DEFAULT=\"first\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_"
       "DEFAULT "
       "second intel_iommu=off\"\n",
       "first second intel_iommu=on iommu=pt"},
      {"GRUB_CMDLINE_LINUX_DEFAULT=\"a \\\"quoted\\\" b\"\n",
       "a \"quoted\" b intel_iommu=on iommu=pt"},
  };
  for (const auto& c : cases) {
    auto edited = edit_shell_cmdline_var(c.file, "GRUB_CMDLINE_LINUX_DEFAULT", kIommu);
    ASSERT_TRUE(edited) << c.file;
    EXPECT_EQ(sourced(*edited, "GRUB_CMDLINE_LINUX_DEFAULT"), c.expected) << *edited;
  }
  EXPECT_FALSE(edit_shell_cmdline_var("GRUB_CMDLINE_LINUX_DEFAULT=\"open\n",
                                      "GRUB_CMDLINE_LINUX_DEFAULT", kIommu));
}

TEST(KernelParams, EditsLoaderEntriesAndLimine) {
  EXPECT_EQ(edit_loader_entry("title Arch\noptions root=X rw\noptions quiet\n", kIommu),
            "title Arch\noptions root=X rw\noptions quiet intel_iommu=on iommu=pt\n");
  EXPECT_EQ(
      edit_loader_entry("title Arch\noptions root=X intel_iommu=off\noptions quiet\n", kIommu),
      "title Arch\noptions root=X intel_iommu=on\noptions quiet iommu=pt\n");
  EXPECT_EQ(edit_loader_entry("title Arch\nlinux /vmlinuz", kIommu),
            "title Arch\nlinux /vmlinuz\noptions intel_iommu=on iommu=pt\n");
  // A bare "options" or "cmdline:" line (no parameters yet) gets a blank after its key.
  EXPECT_EQ(edit_loader_entry("title Arch\noptions\n", kIommu),
            "title Arch\noptions intel_iommu=on iommu=pt\n");
  EXPECT_EQ(edit_limine_config("/Arch\n    cmdline:\n", {{"iommu", "pt"}}),
            "/Arch\n    cmdline: iommu=pt\n");
  EXPECT_EQ(loader_entry_options("options a b\noptions  c\n"), "a b c");
  EXPECT_EQ(edit_limine_config("/Arch\n    protocol: linux\n    cmdline: root=X rw\n/Other\n"
                               "    kernel_cmdline: quiet\n",
                               {{"iommu", "pt"}}),
            "/Arch\n    protocol: linux\n    cmdline: root=X rw iommu=pt\n/Other\n"
            "    kernel_cmdline: quiet iommu=pt\n");
  EXPECT_EQ(edit_limine_config(":Arch\nCMDLINE=root=X\n", {{"iommu", "pt"}}),
            ":Arch\nCMDLINE=root=X iommu=pt\n");
}

// Earlier vfio-pci ids settings leave every command line setup edits, spelled either way.
TEST(KernelParams, DropsEarlierVfioIds) {
  const std::vector<std::string> drop{"vfio_pci.ids"};
  EXPECT_EQ(set_params("quiet vfio-pci.ids=10de:1e07 splash", {{"iommu", "pt"}}, drop),
            "quiet splash iommu=pt");
  EXPECT_EQ(set_params("vfio_pci.ids=1:2 quiet\n", {}, drop), "quiet\n");
  EXPECT_EQ(find_params("a vfio-pci.ids=1:2 b vfio_pci.ids=3:4", drop),
            (std::vector<std::string>{"vfio-pci.ids=1:2", "vfio_pci.ids=3:4"}));
  // Every assignment loses it; only the last one gets the parameters.
  EXPECT_EQ(*edit_shell_cmdline_var("X=\"a vfio-pci.ids=1:2\"\nX=\"$X b\"\n", "X",
                                    {{"iommu", "pt"}}, drop),
            "X=\"a\"\nX=\"$X b iommu=pt\"\n");
  EXPECT_EQ(edit_loader_entry("options root=X vfio-pci.ids=1:2\n", {{"iommu", "pt"}}, drop),
            "options root=X iommu=pt\n");
  EXPECT_EQ(edit_limine_config("    cmdline: vfio-pci.ids=1:2 rw\n", {}, drop),
            "    cmdline: rw\n");
}

// limine-entry-tool's bash files append with +=: the last such line takes the parameters.
TEST(KernelParams, EditsBashAppendAssignments) {
  std::string file = "KERNEL_CMDLINE[default]+=\"quiet\"\nKERNEL_CMDLINE[default]+=\" splash\"\n";
  EXPECT_TRUE(assigns_shell_var(file, "KERNEL_CMDLINE[default]"));
  EXPECT_FALSE(assigns_shell_var(file, "KERNEL_CMDLINE"));
  EXPECT_EQ(*edit_shell_cmdline_var(file, "KERNEL_CMDLINE[default]", {{"iommu", "pt"}}),
            "KERNEL_CMDLINE[default]+=\"quiet\"\nKERNEL_CMDLINE[default]+=\" splash iommu=pt\"\n");
}

}  // namespace
}  // namespace vfg
