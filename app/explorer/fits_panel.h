#pragma once

#include <QString>
#include <QWidget>
#include <cstddef>
#include <string>
#include <vector>

#include "moescope/explore/law_collection.h"

class QLabel;
class QTableWidget;

namespace moescope::explorer {

// The Fits dock: the main fit and the user-defined laws of the explorer's collection (not owned),
// one row each: a check box (drawn over Figures 2b and 2c), the colour its curves take, its name,
// its objective and how many runs it was fitted to, and a button that removes it. Under the table,
// why a fit's curves are not drawn (a variable the figures cannot give). Double-clicking a row
// shows that fit's residuals.
class FitsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit FitsPanel(const moescope::LawCollection* fits, QWidget* parent = nullptr);

  // Lists the collection again, with the main fit's name and run count ("" and 0: none).
  void refresh(const QString& main_name, std::size_t main_runs);
  // One line per fit whose curves the figure on display leaves out.
  void setNotes(const std::vector<std::string>& notes);
  QTableWidget* table() const { return table_; }

 signals:
  void visibilityChanged(std::size_t index, bool visible);
  void removeRequested(std::size_t index);
  // Row 0 is the main fit (nullopt-like: index -1), others a user fit.
  void fitActivated(int user_index);

 private:
  const moescope::LawCollection* fits_;
  QTableWidget* table_ = nullptr;
  QLabel* notes_ = nullptr;
};

}  // namespace moescope::explorer
