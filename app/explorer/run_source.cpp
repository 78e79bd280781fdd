#include "run_source.h"

#include <QDir>
#include <QObject>

#include "default_data.h"
#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"

namespace moescope::explorer {

namespace {

// The set an embedded source names; nullptr where this build holds none of that key.
const moescope::app::EmbeddedData* embedded_set(const RunSource& source) {
  return source.path.isEmpty() ? &moescope::app::default_data()
                               : moescope::app::embedded_data(source.path.toStdString());
}

}  // namespace

RunSource RunSource::data(QString argument, QString mapping) {
  if (moescope::app::embedded_data(argument.toStdString()) == nullptr)
    return file(std::move(argument), std::move(mapping));
  RunSource source = embedded(std::move(argument));
  source.mapping = std::move(mapping);
  return source;
}

QString RunSource::description() const {
  switch (kind) {
    case Kind::kEmbedded: {
      const moescope::app::EmbeddedData* set = embedded_set(*this);
      return set != nullptr ? QString::fromStdString(std::string(set->name))
                            : QObject::tr("built-in data set %1").arg(path);
    }
    case Kind::kFile:
      return QDir::toNativeSeparators(path);
    case Kind::kStore:
      return QObject::tr("store %1").arg(QDir::toNativeSeparators(path));
  }
  return {};
}

LoadedRuns load_runs(const RunSource& source) {
  LoadedRuns loaded;
  switch (source.kind) {
    case RunSource::Kind::kEmbedded:
    case RunSource::Kind::kFile: {
      moescope::ReadOptions options;
      options.mapping = moescope::ColumnMapping::parse(source.mapping.toStdString());
      if (source.kind == RunSource::Kind::kFile) {
        loaded.runs = moescope::read_runs(source.path.toStdString(), options).runs;
      } else if (const moescope::app::EmbeddedData* set = embedded_set(source)) {
        loaded.runs = moescope::app::read_embedded(*set, options).runs;
      } else {
        moescope::Diagnostic unknown;
        unknown.message =
            "no data set '" + source.path.toStdString() + "' is built into this explorer";
        throw moescope::InputError(std::move(unknown));
      }
      break;
    }
    case RunSource::Kind::kStore: {
      loaded.store = moescope::RunStore::open_existing(source.path.toStdString());
      moescope::StoredRuns stored = loaded.store->read();
      loaded.runs = std::move(stored.runs);
      loaded.invalid = std::move(stored.invalid);
      break;
    }
  }
  return loaded;
}

}  // namespace moescope::explorer
