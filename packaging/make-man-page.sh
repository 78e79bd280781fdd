#!/usr/bin/env bash
# Writes a man page from a program's own help, so that the page says what the binary it ships with
# does: moescope(1) from `moescope --help`, every subcommand's, recursively, and the explorer's
# (`moescope explore --help`); moescope-explorer(1) and moescope-train(1) from their one help text
# each. Run at build time (cmake/Packaging.cmake).
# Usage: make-man-page.sh PROGRAM OUTPUT   (the page is PROGRAM's name, section 1)
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 PROGRAM OUTPUT" >&2
  exit 2
fi
program=$1
output=$2
name=$(basename "$program")

# A help text as roff. Options and subcommands (an indented name, two or more spaces, a
# description, and its continuation lines further indented: CLI11's layout and Qt's) become
# tagged paragraphs; the help flags themselves are left out, every section would repeat them.
# Backslashes and hyphens are escaped (a man page's "-" may print as a typographic hyphen, which a
# copied option would not survive).
to_roff() {
  awk '
    function esc(text, out, i, c) {
      out = ""
      for (i = 1; i <= length(text); i++) {
        c = substr(text, i, 1)
        if (c == "\\") out = out "\\e"
        else if (c == "-") out = out "\\-"
        else out = out c
      }
      if (out ~ /^[.\047]/) out = "\\&" out
      return out
    }
    function flush() {
      if (tag != "" && tag !~ /^-h, ?--help$/ && tag != "--help-all")
        printf ".TP\n.B %s\n%s\n", esc(tag), esc(body)
      tag = ""
      body = ""
    }
    /^Usage: / {
      flush()
      usage = substr($0, 8)
      sub(/^[^ ]*\/moescope-explorer/, "moescope-explorer", usage)
      printf ".PP\nUsage: %s\n", esc(usage)
      next
    }
    /^[A-Z][A-Za-z ]*:$/ { flush(); printf ".PP\n\\fI%s\\fR\n", esc($0); in_list = 1; next }
    /^$/ { flush(); in_list = 0; next }
    in_list && /^  [^ ]/ {
      flush()
      entry = substr($0, 3)
      split_at = match(entry, /   */)
      if (split_at) {
        tag = substr(entry, 1, split_at - 1)
        body = substr(entry, split_at + RLENGTH)
      } else {
        tag = entry
      }
      next
    }
    in_list && /^   / { sub(/^ +/, ""); body = (body == "" ? $0 : body " " $0); next }
    { flush(); printf ".PP\n%s\n", esc($0) }
    END { flush() }
  '
}

# The subcommands a CLI11 help text lists.
subcommands_of() {
  awk '/^Subcommands:$/ { listed = 1; next } listed && /^$/ { exit } listed && /^  [a-z]/ { print $1 }'
}

# A section for `moescope WORDS...` and for each of its subcommands, depth first.
describe_command() {
  local help
  if ! help=$("$program" "$@" --help 2>/dev/null); then
    echo "make-man-page: \`moescope $* --help\` failed; its section is left out" >&2
    return 0
  fi
  printf '.SS "moescope %s"\n' "$*"
  to_roff <<<"$help"
  local subcommand
  for subcommand in $(subcommands_of <<<"$help"); do
    describe_command "$@" "$subcommand"
  done
}

# moescope(1): the command line, a section per subcommand.
moescope_page() {
  local top_help version summary subcommand
  top_help=$("$program" --help)
  version=$("$program" --version)
  summary=$(head -n 1 <<<"$top_help" | sed -e 's/^MoEScope: //')
  printf '.TH MOESCOPE 1 "" "%s" "User Commands"\n' "$version"
  # Options and file names read better unhyphenated and ragged-right.
  printf '.nh\n.ad l\n'
  printf '.SH NAME\nmoescope \\- %s\n' "$summary"
  printf '.SH SYNOPSIS\n.B moescope\n[\\fIOPTIONS\\fR] \\fISUBCOMMAND\\fR [\\fIOPTIONS\\fR]\n'
  printf '.SH DESCRIPTION\n\\fBmoescope\\fR is the command line of MoEScope. Each subcommand has\n'
  printf 'its own options, listed under COMMANDS below and by \\fBmoescope \\fISUBCOMMAND\\fB \\-\\-help\\fR.\n'
  to_roff <<<"$(tail -n +2 <<<"$top_help" | grep -v '^Usage: ')"
  printf '.SH COMMANDS\n'
  for subcommand in $(subcommands_of <<<"$top_help"); do
    describe_command "$subcommand"
  done
  printf '.SH FILES\n.TP\n.I /usr/share/moescope/datasets\n'
  printf 'The data sets built into the binaries, as files, with their descriptions.\n'
  printf '.TP\n.I /usr/share/moescope/laws\n'
  printf 'The built-in scaling laws and an example law file (\\fB\\-\\-law\\-file\\fR).\n'
  printf '.SH "SEE ALSO"\n\\fBmoescope\\-explorer\\fR(1), \\fBmoescope\\-train\\fR(1)\n'
}

# The page of a program with one help text: its usage lines (the help's first paragraph, "Usage:"
# or "usage:" and their continuations) as the synopsis, any other line of that paragraph as the
# description, and the options that follow.
single_page() {
  local help version summary
  help=$("$program" --help)
  version=$("$program" --version | head -n 1)
  case $name in
    moescope-explorer) summary="explore scaling-law fits of Mixture-of-Experts runs: 3-D IsoFLOP surfaces, the paper's figures, optimal sparsity" ;;
    moescope-train) summary="train one run of a MoEScope grid, resuming from its checkpoint (LibTorch)" ;;
    *) summary="part of MoEScope" ;;
  esac
  printf '.TH %s 1 "" "%s" "User Commands"\n' "${name^^}" "$version"
  printf '.nh\n.ad l\n'
  printf '.SH NAME\n%s \\- %s\n' "${name//-/\\-}" "$summary"
  printf '.SH SYNOPSIS\n.nf\n'
  # A usage line starts a form (moescope-train has four); a deeper-indented one continues it.
  awk -v name="$name" '/^$/ { exit }
       /^[Uu]sage: / { sub(/^[Uu]sage: [^ ]*\//, ""); sub(/^[Uu]sage: /, ""); print; next }
       /^ / && $1 == name { sub(/^ +/, ""); print; next }
       /^ / { sub(/^ +/, "    "); print }' <<<"$help" | sed -e 's/\\/\\e/g' -e 's/-/\\-/g'
  printf '.fi\n.SH DESCRIPTION\n'
  awk '/^$/ { exit } !/^[Uu]sage: / && !/^ / { print }' <<<"$help" | sed -e 's/-/\\-/g'
  printf '.PP\nSee \\fBmoescope\\fR(1) for the command line that plans, launches and reads the runs.\n'
  printf '.SH OPTIONS\n'
  # Options without a heading of their own (moescope-train's) get one, which to_roff lists.
  # The section's name says it: the list's own "Options:" heading is left out.
  to_roff <<<"$(awk 'seen { print } /^$/ { seen = 1 }' <<<"$help" |
    awk 'NR == 1 && !/:$/ { print "Options:" } { print }')" |
    awk 'NR <= 2 && (/^\.PP$/ || /^\\fIOptions:\\fR$/) { next } { print }'
  printf '.SH "SEE ALSO"\n\\fBmoescope\\fR(1)\n'
}

if [ "$name" = moescope ]; then
  moescope_page >"$output"
else
  single_page >"$output"
fi
