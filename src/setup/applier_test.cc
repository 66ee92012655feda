#include "setup/applier.h"

#include <gtest/gtest.h>

#include "host/boot_paths.h"
#include "support/failing_file_writer.h"
#include "support/memory_file_writer.h"

namespace vfg {
namespace {

using testing::FailingFileWriter;
using testing::MemoryFileWriter;

class RecordingRunner final : public CommandRunner {
 public:
  Status run(const std::vector<std::string>& argv) override {
    ran.push_back(argv);
    if (argv == fail_on) return fail("'{}' exited with status 1", argv[0]);
    return ok();
  }
  std::vector<std::vector<std::string>> ran;
  std::vector<std::string> fail_on;
};

MemoryFileWriter original_host() {
  MemoryFileWriter host({"/var", "/var/lib", "/etc", "/etc/default"});
  host.put("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n", 0640);
  host.files["/etc/default/grub"].gid = 4;
  return host;
}

// A plan as the planner would make for that host: one edit, two new files (one in
// a directory that does not exist yet), an account command and a regeneration.
HostPlan plan_for(FileWriter& host) {
  HostPlan plan;
  auto grub = host.read("/etc/default/grub");
  std::optional<std::string> old_grub;
  if (*grub) old_grub = (*grub)->contents;
  std::string new_grub = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\n";
  if (old_grub != new_grub)
    plan.files.push_back(
        {"/etc/default/grub", old_grub, new_grub, 0644, FileRole::kKernelCmdline, ""});
  for (const auto& [path, contents] :
       {std::pair{"/etc/modprobe.d/vfg-vfio.conf", "options vfio-pci ids=10de:2206\n"},
        std::pair{"/etc/modprobe.d/vfg-kvm.conf", "options kvm ignore_msrs=1\n"}}) {
    auto current = host.read(path);
    if (!*current || (*current)->contents != contents)
      plan.files.push_back({path, std::nullopt, contents, 0644, FileRole::kModprobe, ""});
  }
  if (!plan.files.empty()) {
    plan.commands.push_back(
        {{"usermod", "-aG", "kvm", "alice"}, "", {"gpasswd", "-d", "alice", "kvm"}, false});
    plan.commands.push_back({{"update-grub"}, "", {}, true});
  }
  return plan;
}

TEST(Applier, ApplyTwiceThenUndoRestoresEverything) {
  MemoryFileWriter host = original_host();
  const MemoryFileWriter before = host;
  RecordingRunner runner;
  ApplyOptions options{&runner};

  auto first = apply_plan(plan_for(host), host, options);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->files_written, 3u);
  EXPECT_EQ(host.files["/etc/default/grub"].contents,
            "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\n");
  EXPECT_EQ(host.files["/etc/default/grub"].mode, 0640u);  // the original's mode and owner are kept
  EXPECT_EQ(host.files["/etc/default/grub"].gid, 4u);
  EXPECT_EQ(runner.ran.size(), 2u);

  auto second = apply_plan(plan_for(host), host, options);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->nothing_to_do);
  EXPECT_EQ(runner.ran.size(), 2u);

  auto status = setup_status(host, plan_for(host));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->files.size(), 3u);
  for (const auto& file : status->files) EXPECT_EQ(file.drift, Drift::kAsWritten) << file.path;

  auto undone = undo_setup(host, options, false);
  ASSERT_TRUE(undone) << undone.error().message;
  EXPECT_EQ(undone->files_restored, 1u);
  EXPECT_EQ(undone->files_removed, 2u);
  EXPECT_EQ(host.files, before.files);
  EXPECT_EQ(host.dirs, before.dirs);
  EXPECT_EQ(runner.ran.back(), (std::vector<std::string>{"update-grub"}));
  EXPECT_EQ(runner.ran[2], (std::vector<std::string>{"gpasswd", "-d", "alice", "kvm"}));
}

TEST(Applier, UndoRefusesToOverwriteHandEditsUnlessForced) {
  MemoryFileWriter host = original_host();
  const MemoryFileWriter before = host;
  ASSERT_TRUE(apply_plan(plan_for(host), host, {}));
  host.files["/etc/modprobe.d/vfg-kvm.conf"].contents += "# mine\n";
  auto status = setup_status(host, plan_for(host));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->files[2].drift, Drift::kChanged);
  auto refused = undo_setup(host, {}, false);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("/etc/modprobe.d/vfg-kvm.conf"), std::string::npos);
  ASSERT_TRUE(undo_setup(host, {}, true));
  EXPECT_EQ(host.files, before.files);
}

TEST(Applier, TreeTargetsHandCommandsOverOnce) {
  MemoryFileWriter host = original_host();
  auto first = apply_plan(plan_for(host), host, {});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->not_run.size(), 2u);
  // The account command stays in a tree's plan (its /etc/group never changes)...
  HostPlan again;
  again.commands.push_back({{"usermod", "-aG", "kvm", "alice"}, "", {}, false});
  auto second = apply_plan(again, host, {});
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->nothing_to_do);  // ...but it was handed over already.
}

TEST(Applier, FailedCommandIsRetriedByTheNextApply) {
  MemoryFileWriter host = original_host();
  RecordingRunner runner;
  runner.fail_on = {"update-grub"};
  ApplyOptions options{&runner};
  auto failed = apply_plan(plan_for(host), host, options);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("vfg setup --apply"), std::string::npos);
  runner.fail_on.clear();
  auto finished = apply_plan(plan_for(host), host, options);  // files are in place: empty plan
  ASSERT_TRUE(finished) << finished.error().message;
  EXPECT_FALSE(finished->nothing_to_do);
  EXPECT_EQ(runner.ran.back(), (std::vector<std::string>{"update-grub"}));
  EXPECT_EQ(std::count(runner.ran.begin(), runner.ran.end(),
                       std::vector<std::string>{"usermod", "-aG", "kvm", "alice"}),
            1);
}

// A kill after any number of changes: the next --apply finishes the job, and
// --undo (from the interrupted state) gives back the original tree.
TEST(Applier, InterruptedAtEveryStepIsRepairedByApplyOrUndo) {
  MemoryFileWriter reference = original_host();
  ASSERT_TRUE(apply_plan(plan_for(reference), reference, {}));
  const auto applied_files = reference.files;

  for (size_t k = 0;; ++k) {
    MemoryFileWriter host = original_host();
    const MemoryFileWriter before = host;
    FailingFileWriter dying(host, k);
    auto interrupted = apply_plan(plan_for(host), dying, {});
    if (interrupted) {
      EXPECT_GT(k, 5u);
      break;  // k changes were enough to finish: every earlier point was tried
    }
    MemoryFileWriter finish = host;
    auto finished = apply_plan(plan_for(finish), finish, {});
    ASSERT_TRUE(finished) << "after " << k << ": " << finished.error().message;
    for (const auto& path :
         {"/etc/default/grub", "/etc/modprobe.d/vfg-vfio.conf", "/etc/modprobe.d/vfg-kvm.conf"})
      EXPECT_EQ(finish.files[path].contents, applied_files.at(path).contents) << k << " " << path;
    ASSERT_TRUE(undo_setup(finish, {}, false));
    EXPECT_EQ(finish.files, before.files) << "apply then undo after a kill at " << k;
    EXPECT_EQ(finish.dirs, before.dirs) << k;

    auto undone = undo_setup(host, {}, false);
    ASSERT_TRUE(undone) << "after " << k << ": " << undone.error().message;
    EXPECT_EQ(host.files, before.files) << "undo after a kill at " << k;
    EXPECT_EQ(host.dirs, before.dirs) << k;
  }
}

TEST(Applier, InterruptedUndoIsFinishedByUndo) {
  for (size_t k = 0;; ++k) {
    MemoryFileWriter host = original_host();
    const MemoryFileWriter before = host;
    ASSERT_TRUE(apply_plan(plan_for(host), host, {}));
    FailingFileWriter dying(host, k);
    if (undo_setup(dying, {}, false)) break;
    auto undone = undo_setup(host, {}, false);
    ASSERT_TRUE(undone) << "after " << k << ": " << undone.error().message;
    EXPECT_EQ(host.files, before.files) << k;
    EXPECT_EQ(host.dirs, before.dirs) << k;
  }
}

}  // namespace
}  // namespace vfg
