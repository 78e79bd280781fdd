#include "run_source.h"

#include <QDir>
#include <QObject>

#include "default_data.h"
#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"

namespace moescope::explorer {

QString RunSource::description() const {
  switch (kind) {
    case Kind::kDefaultData:
      return QString::fromUtf8(moescope::app::kDefaultDataName.data(),
                               static_cast<qsizetype>(moescope::app::kDefaultDataName.size()));
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
    case RunSource::Kind::kDefaultData:
      loaded.runs =
          moescope::read_runs(moescope::app::default_data_csv(), moescope::TableFormat::kCsv,
                              std::string(moescope::app::kDefaultDataName))
              .runs;
      break;
    case RunSource::Kind::kFile: {
      moescope::ReadOptions options;
      options.mapping = moescope::ColumnMapping::parse(source.mapping.toStdString());
      loaded.runs = moescope::read_runs(source.path.toStdString(), options).runs;
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
