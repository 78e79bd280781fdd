#include "moescope/training/checkpoint.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <stdexcept>

#include "moescope/io/atomic_file.h"

namespace moescope::training {

void save_checkpoint(const std::filesystem::path& file, const torch::nn::Module& model,
                     const AdamW& optimizer, const TrainingProgress& progress) {
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  torch::serialize::OutputArchive optimizer_archive;
  optimizer.save(optimizer_archive);
  torch::serialize::OutputArchive archive;
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("step", c10::IValue(progress.step));
  archive.write("seconds", c10::IValue(progress.seconds));
  const std::filesystem::path pending = pending_path(file);
  archive.save_to(pending.string());
  commit_file(pending, file);
}

std::optional<TrainingProgress> load_checkpoint(const std::filesystem::path& file,
                                                torch::nn::Module& model, AdamW& optimizer,
                                                const torch::Device& device) {
  if (!std::filesystem::exists(file))
    return std::nullopt;
  torch::serialize::InputArchive archive;
  archive.load_from(file.string(), device);
  torch::serialize::InputArchive model_archive;
  archive.read("model", model_archive);
  model.load(model_archive);
  torch::serialize::InputArchive optimizer_archive;
  archive.read("optimizer", optimizer_archive);
  try {
    optimizer.load(optimizer_archive);
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(file.string() + ": " + error.what());
  }
  c10::IValue step;
  c10::IValue seconds;
  archive.read("step", step);
  archive.read("seconds", seconds);
  return TrainingProgress{step.toInt(), seconds.toDouble()};
}

}  // namespace moescope::training
