#!/bin/sh
# Writes the spreadsheet files the upload tests read, with LibreOffice Calc run headless, so
# the tests see files as a spreadsheet program really writes them. The files are committed:
# CI and `make test` do not need LibreOffice. Run this only to make them again:
#   apt-get install libreoffice-calc-nogui && sh tests/files/make_files.sh
# Made with LibreOffice 7.4.7.2 (Debian 12's libreoffice-calc-nogui 4:7.4.7-1+deb12u14).
#
# The rows are the first twelve of training/data/insurance.csv, typed as a person would:
# headers in Title Case, some categories capitalised, and a Name column with accents.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/people.csv" <<'EOF'
Age,Sex,BMI,Children,Smoker,Region,Name
19,Female,27.9,0,Yes,Southwest,José Álvarez
18,Male,33.77,1,No,Southeast,Zoë Brontë
28,male,33,3,no,southeast,Łukasz Wąs
33,male,22.705,0,no,northwest,Ana Müller
32,Male,28.88,0,NO,Northwest,Søren Ødegård
31,female,25.74,0,no,southeast,Chloé Dubois
46,female,33.44,1,no,southeast,Ines Peña
37,Female,27.74,3,No,Northwest,Maëlle Noël
37,male,29.83,2,no,northeast,Jürgen Groß
60,female,25.84,0,no,northwest,Renée Lefèvre
25,Male,26.22,0,no,Northeast,Íñigo Ruiz
62,female,26.29,0,yes,southeast,Françoise Côté
EOF
# The same sheet with two more columns of formulas that give empty text (="") but no header:
# the spreadsheet writes them as empty cells after the data, ",,".
sed -e '1s/$/,,/' -e '2,$s/$/,="",=""/' "$work/people.csv" > "$work/trailing.csv"

# calc LOCALE INPUT FILTER... : convert with a fresh user profile whose locale is LOCALE
# (it decides how numbers are written: 27.9 in en-US, 27,9 in de-DE).
calc() {
  locale=$1 input=$2
  shift 2
  profile="$work/$locale/.config/libreoffice/4/user"
  mkdir -p "$profile"
  cat > "$profile/registrymodifications.xcu" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>$locale</value></prop></item>
</oor:items>
EOF
  # Import options: comma-separated, "-quoted, UTF-8 (76), from line 1, numbers as en-US.
  HOME="$work/$locale" soffice --headless --infilter="CSV:44,34,76,1,,1033" \
    --convert-to "$@" --outdir "$work/out" "$input" >/dev/null
}

# Workbooks: what people upload when they forget to save as CSV.
calc en-US "$work/people.csv" xlsx:"Calc MS Excel 2007 XML"
calc en-US "$work/people.csv" xls:"MS Excel 97"
calc en-US "$work/people.csv" ods:calc8
# Export options: separator, quote, character set, first line, -, language, quote all text.
# UTF-8 with commas, as LibreOffice writes "Text CSV" in English.
calc en-US "$work/people.csv" "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false"
mv "$work/out/people.csv" "$work/out/people-en.csv"
# German locale: ";" between values and decimal commas (27,9), as most of Europe writes CSV.
calc de-DE "$work/people.csv" "csv:Text - txt - csv (StarCalc):59,34,76,1,,1031,false"
mv "$work/out/people.csv" "$work/out/people-de.csv"
# Windows-1252 (character set 1), what plain "CSV" means in Excel on Windows.
calc en-US "$work/people.csv" "csv:Text - txt - csv (StarCalc):44,34,1,1,,1033,false"
mv "$work/out/people.csv" "$work/out/people-1252.csv"
# Tabs between values (9).
calc en-US "$work/people.csv" "csv:Text - txt - csv (StarCalc):9,34,76,1,,1033,false"
mv "$work/out/people.csv" "$work/out/people-tab.csv"
# Empty columns after the data.
calc en-US "$work/trailing.csv" "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false"
mv "$work/out/trailing.csv" "$work/out/people-trailing.csv"

cp "$work/out/"* "$here/"
soffice --version | head -1 | sed "s/^/made with /"
ls -l "$here"
