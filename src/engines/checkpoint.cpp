#include "synctur/engines/checkpoint.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace synctur {

RunCheckpoint::RunCheckpoint(Writer writer, double every_seconds, const std::atomic<bool>* stop,
                             CheckpointImage image)
    : writer_(std::move(writer)),
      every_(every_seconds),
      stop_(stop),
      image_(std::move(image)),
      last_(std::chrono::steady_clock::now()) {}

std::int64_t RunCheckpoint::begin_run(int run, int units, std::int64_t fresh_len) {
  std::lock_guard lock(m_);
  const auto r = static_cast<std::size_t>(run);
  if (image_.runs.size() <= r) image_.runs.resize(r + 1);
  CheckpointImage::Run& R = image_.runs[r];
  if (R.block_len <= 0) R.block_len = fresh_len;
  R.units.resize(static_cast<std::size_t>(units));
  if (gen_.size() <= r) {
    gen_.resize(r + 1);
    running_.resize(r + 1);
  }
  gen_[r].assign(static_cast<std::size_t>(units), 0);
  running_[r].assign(static_cast<std::size_t>(units), 0);
  return R.block_len;
}

const std::vector<double>& RunCheckpoint::record(int run, int u) const {
  return image_.runs[static_cast<std::size_t>(run)].units[static_cast<std::size_t>(u)];
}

void RunCheckpoint::set_record(int run, int u, std::vector<double> rec) {
  std::lock_guard lock(m_);
  image_.runs[static_cast<std::size_t>(run)].units[static_cast<std::size_t>(u)] = std::move(rec);
}

void RunCheckpoint::unit_started(int run, int u) {
  std::lock_guard lock(m_);
  const auto r = static_cast<std::size_t>(run), v = static_cast<std::size_t>(u);
  running_[r][v] = 1;
  gen_[r][v] = requested_.load();  // its record (not started / resumed state) is valid
}

bool RunCheckpoint::poll(int run, int u, std::int64_t steps,
                         const std::function<void(std::vector<double>&)>& save) {
  const auto r = static_cast<std::size_t>(run), v = static_cast<std::size_t>(u);
  if (stop_requested() || (round_steps_ > 0 && steps >= round_steps_)) {
    std::lock_guard lock(m_);
    save(image_.runs[r].units[v]);
    running_[r][v] = 0;
    return true;
  }
  const std::uint64_t g = requested_.load();
  bool publish = g > gen_[r][v];  // gen_[r][v] is written only by this thread
  if (!publish && !rounds_ && every_ > 0.0) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(m_);
    if (!pending_ && std::chrono::duration<double>(now - last_).count() >= every_) {
      pending_ = true;
      ++requested_;
      publish = true;
    }
  }
  if (!publish) return false;
  {
    std::lock_guard lock(m_);
    save(image_.runs[r].units[v]);
    gen_[r][v] = requested_.load();
  }
  try_write();
  return false;
}

void RunCheckpoint::unit_finished(int run, int u, std::vector<double> rec) {
  {
    std::lock_guard lock(m_);
    const auto r = static_cast<std::size_t>(run), v = static_cast<std::size_t>(u);
    image_.runs[r].units[v] = std::move(rec);
    running_[r][v] = 0;
  }
  try_write();
}

void RunCheckpoint::try_write() {
  CheckpointImage copy;
  {
    std::lock_guard lock(m_);
    const std::uint64_t g = requested_.load();
    if (!pending_ || written_ >= g) return;
    for (std::size_t r = 0; r < gen_.size(); ++r)
      for (std::size_t v = 0; v < gen_[r].size(); ++v)
        if (running_[r][v] && gen_[r][v] < g) return;  // a unit has not published yet
    written_ = g;
    copy = image_;
  }
  writer_(copy);  // outside the lock: the other units keep running
  std::lock_guard lock(m_);
  ++writes_;
  pending_ = false;
  last_ = std::chrono::steady_clock::now();
}

void RunCheckpoint::write_now() {
  CheckpointImage copy;
  {
    std::lock_guard lock(m_);
    copy = image_;
  }
  writer_(copy);
  std::lock_guard lock(m_);
  ++writes_;
  last_ = std::chrono::steady_clock::now();
}

double RunCheckpoint::seconds_since_write() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count();
}

RoundPlan plan_round(double every, double since_write, double round_seconds, std::int64_t steps,
                     std::int64_t chunk) {
  RoundPlan rp;
  rp.write = since_write >= 0.9 * every;
  const double remaining = rp.write ? every : every - since_write;
  const double per_step = round_seconds / static_cast<double>(std::max<std::int64_t>(steps, 1));
  const double cap = std::min(8.0 * static_cast<double>(std::max(steps, chunk)), 4.0e15);
  const double want = per_step > 0.0 ? std::min(remaining / per_step, cap) : cap;
  rp.next_steps =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(want / chunk))) * chunk;
  return rp;
}

}  // namespace synctur
