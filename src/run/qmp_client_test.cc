#include "run/qmp_client.h"

#include <thread>

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "util/process.h"

namespace vfg {
namespace {

using namespace std::chrono_literals;

struct SocketPair {
  UniqueFd ours;
  UniqueFd theirs;
};

SocketPair make_socket_pair() {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    ASSERT_GT(n, 0);
    text.remove_prefix(static_cast<size_t>(n));
  }
}

std::string read_line(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

// A scripted QMP peer: greets in two pieces, answers qmp_capabilities, then
// sends an event before the reply to the next command and an error to the third.
TEST(QmpClient, NegotiatesQueuesEventsAndReportsErrors) {
  SocketPair pair = make_socket_pair();
  std::thread server([fd = pair.theirs.get()] {
    write_all(fd, R"({"QMP": {"version": {"qemu": {"major": 7}}, "capa)");
    write_all(fd, "bilities\": []}}\r\n");
    auto request = nlohmann::json::parse(read_line(fd));
    EXPECT_EQ(request["execute"], "qmp_capabilities");
    write_all(fd, R"({"return": {}, "id": )" + request["id"].dump() + "}\r\n");
    request = nlohmann::json::parse(read_line(fd));
    EXPECT_EQ(request["execute"], "query-status");
    write_all(fd, R"({"return": "stale", "id": "not-ours"})"
                  "\r\n"
                  R"({"timestamp": {"seconds": 5, "microseconds": 500000}, "event": "POWERDOWN"})"
                  "\r\n"
                  R"({"return": {"status": "paused", "running": false}, "id": )" +
                      request["id"].dump() + "}\r\n");
    request = nlohmann::json::parse(read_line(fd));
    EXPECT_EQ(request["arguments"]["device"], "nope");
    write_all(
        fd, R"({"error": {"class": "DeviceNotFound", "desc": "Device 'nope' not found"}, "id": )" +
                request["id"].dump() + "}\r\n");
  });
  auto client = QmpClient::adopt(std::move(pair.ours), 5s);
  ASSERT_TRUE(client) << client.error().message;
  EXPECT_EQ(client->greeting()["version"]["qemu"]["major"], 7);
  auto status = client->execute("query-status");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ((*status)["status"], "paused");
  auto event = client->pop_event();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->name, "POWERDOWN");
  EXPECT_DOUBLE_EQ(event->timestamp, 5.5);
  auto error = client->execute("device_del", {{"device", "nope"}});
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().message,
            "QMP 'device_del' failed: DeviceNotFound: Device 'nope' not found");
  server.join();
}

TEST(QmpClient, TimesOutAndNoticesAClosedPeer) {
  SocketPair pair = make_socket_pair();
  write_all(pair.theirs.get(), "{\"QMP\": {}}\n");
  std::thread server([fd = pair.theirs.get()] {
    auto request = nlohmann::json::parse(read_line(fd));
    write_all(fd, R"({"return": {}, "id": )" + request["id"].dump() + "}\n");
    (void)read_line(fd);  // never answered
  });
  auto client = QmpClient::adopt(std::move(pair.ours), 5s);
  ASSERT_TRUE(client) << client.error().message;
  auto slow = client->execute("query-status", {}, 100ms);
  ASSERT_FALSE(slow);
  EXPECT_NE(slow.error().message.find("no reply within 100 ms"), std::string::npos);
  server.join();
  pair.theirs.reset();
  auto closed = client->execute("query-status", {}, 1s);
  ASSERT_FALSE(closed);
  EXPECT_NE(closed.error().message.find("closed"), std::string::npos) << closed.error().message;
  EXPECT_FALSE(client->connected());
}

TEST(QmpClient, NoGreetingIsAnError) {
  SocketPair pair = make_socket_pair();
  auto client = QmpClient::adopt(std::move(pair.ours), 50ms);
  ASSERT_FALSE(client);
  EXPECT_NE(client.error().message.find("no QMP greeting"), std::string::npos);
}

TEST(QmpClient, ConnectNamesTheMissingSocket) {
  auto client = QmpClient::connect("/nonexistent-vfg-test/qmp.sock", 1s);
  ASSERT_FALSE(client);
  EXPECT_NE(client.error().message.find("/nonexistent-vfg-test/qmp.sock"), std::string::npos);
}

// The real thing: QEMU paused, QMP over a socketpair, a QEMU error reply, and
// the SHUTDOWN event that `quit` produces.
TEST(QmpClient, TalksToRealQemu) {
  SocketPair pair = make_socket_pair();
  int theirs = pair.theirs.get();
  SpawnOptions options;
  options.argv = {"qemu-system-x86_64",
                  "-S",
                  "-nodefaults",
                  "-display",
                  "none",
                  "-machine",
                  "q35,accel=tcg",
                  "-chardev",
                  fmt::format("socket,id=qmp,fd={}", theirs),
                  "-mon",
                  "chardev=qmp,mode=control"};
  options.keep_fds = {theirs};
  options.stderr_mode = Stdio::kPipe;
  auto qemu = spawn(options);
  ASSERT_TRUE(qemu) << qemu.error().message;
  pair.theirs.reset();
  auto client = QmpClient::adopt(std::move(pair.ours), 30s, qemu->pidfd());
  ASSERT_TRUE(client) << client.error().message;
  auto status = client->execute("query-status");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ((*status)["status"], "prelaunch");
  auto bad = client->execute("no-such-command");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("CommandNotFound"), std::string::npos);
  auto quit = client->execute("quit");
  ASSERT_TRUE(quit) << quit.error().message;
  // QEMU may close the connection right after the reply; the SHUTDOWN event
  // it sends first is then still queued, or it is lost with the connection.
  auto event = client->wait_for_event("SHUTDOWN", 10s);
  if (event && event->has_value()) {
    EXPECT_EQ((*event)->data["guest"], false);
    EXPECT_EQ((*event)->data["reason"], "host-qmp-quit");
  }
  auto exit = qemu->wait();
  ASSERT_TRUE(exit);
  EXPECT_TRUE(exit->success());
}

}  // namespace
}  // namespace vfg
