#include "import/shell_script.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

std::vector<QemuInvocation> find(std::string_view script) {
  return find_qemu_invocations(script, {{"HOME", "/home/a"}, {"XDG_RUNTIME_DIR", "/run/user/1"}});
}

TEST(ShellScript, JoinsContinuationsAndExpandsVariablesArraysAndDefaults) {
  auto found = find(R"(#!/bin/bash
VM=win11  # a comment
OPTS=(-m 8G
  -smp 4   # inline comment
)
OPTS+=(-cpu "host,kvm=off")
DISK="$HOME/vms/$VM.qcow2"
start() {
  qemu-system-x86_64 "${OPTS[@]}" \
    -drive file="$DISK",if=virtio \
    -audiodev pa,id=a,server=unix:${XDG_RUNTIME_DIR:-/tmp}/pulse/native \
    -name '$VM' -x ${UNSET:-fallback} > /tmp/log 2>&1
}
)");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].line, 9u);
  std::vector<std::string> expected = {"-m",        "8G",
                                       "-smp",      "4",
                                       "-cpu",      "host,kvm=off",
                                       "-drive",    "file=/home/a/vms/win11.qcow2,if=virtio",
                                       "-audiodev", "pa,id=a,server=unix:/run/user/1/pulse/native",
                                       "-name",     "$VM",
                                       "-x",        "fallback"};
  EXPECT_EQ(found[0].argv, expected);
  EXPECT_TRUE(found[0].unresolved.empty());
}

TEST(ShellScript, AccumulatesOptionsInAStringAndSplitsThemWhereUnquoted) {
  auto found = find(R"(#!/bin/sh
args="$args \
	-object input-linux,id=kbd,evdev=/dev/input/by-id/kbd"
args="$args -m 8G"
qemu-system-x86_64 -enable-kvm $args
)");
  ASSERT_EQ(found.size(), 1u);
  std::vector<std::string> expected = {"-enable-kvm", "-object",
                                       "input-linux,id=kbd,evdev=/dev/input/by-id/kbd", "-m", "8G"};
  EXPECT_EQ(found[0].argv, expected);
  EXPECT_TRUE(found[0].unresolved.empty());
}

TEST(ShellScript, ReportsWhatOnlyRunningTheScriptWouldKnow) {
  auto found = find(
      "MEM=$(free -g | awk '{print $2}')\nsudo taskset -c 2-7 qemu-system-x86_64 -m $MEM -smp $1 "
      "-hda $NOWHERE\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].argv[1], "$(free -g | awk '{print $2}')");
  std::string all;
  for (const auto& line : found[0].unresolved) all += line + "\n";
  EXPECT_NE(all.find("'sudo taskset -c 2-7' runs QEMU under another program"), std::string::npos)
      << all;
  EXPECT_NE(all.find("$(free -g"), std::string::npos) << all;
  EXPECT_NE(all.find("$1 is computed when the script runs"), std::string::npos) << all;
  EXPECT_NE(all.find("$NOWHERE is not set in the script"), std::string::npos) << all;
}

TEST(ShellScript, JoinsArraysWithIfsArithmeticAndEchoSubstitutions) {
  auto found = find(R"(CORES=3
THREADS=2
F=(host hv_relaxed hv_time)
CPU=$(IFS=,; echo "${F[*]}")
OIFS="$IFS"; IFS=","
G="${F[*]}"
IFS="$OIFS"
QEMU_AUDIO_DRV=pa qemu-system-x86_64 -smp $((CORES*THREADS)),cores=$CORES -cpu "$CPU" -cpu "$G"
)");
  ASSERT_EQ(found.size(), 1u);
  std::vector<std::string> expected = {
      "-smp", "6,cores=3", "-cpu", "host,hv_relaxed,hv_time", "-cpu", "host,hv_relaxed,hv_time"};
  EXPECT_EQ(found[0].argv, expected);
  EXPECT_EQ(found[0].environment.at("QEMU_AUDIO_DRV"), "pa");
}

TEST(ShellScript, SkipsHereDocumentsLoopsAndCommandsThatOnlyNameQemu) {
  auto found = find(R"(for p in qemu-system-x86_64 socat; do which $p; done
cat <<END
qemu-system-x86_64 -m 1G
END
if [ -n "$X" ]; then EXTRA="-vga std"; fi
echo qemu-system-x86_64
qemu-system-x86_64 -m 2G $EXTRA
)");
  ASSERT_EQ(found.size(), 1u);
  std::vector<std::string> expected = {"-m", "2G", "-vga", "std"};
  EXPECT_EQ(found[0].argv, expected);
  ASSERT_FALSE(found[0].unresolved.empty());
  EXPECT_NE(found[0].unresolved[0].find("$EXTRA is assigned inside a condition"),
            std::string::npos);
}

TEST(ShellScript, SurvivesUnterminatedInput) {
  for (std::string_view text : {"qemu-system-x86_64 \"open", "qemu-system-x86_64 $(", "A=(1 2",
                                "qemu-system-x86_64 ${X", "qemu-system-x86_64 <<", "`"}) {
    (void)find(text);
  }
}

}  // namespace
}  // namespace vfg
