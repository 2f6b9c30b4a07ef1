"""Reading rosters (CSV bytes -> RosterFile), without an app or a database."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cyberaware import roster as roster_module
from cyberaware.roster import MAX_LINES, RosterError, RosterFile, header_key, parse_roster, valid_email

FR_HEADER = "Numéro étudiant;Courriel;Nom;Prénom;Composante;Diplôme;Année;Groupe"
EN_HEADER = "student number,email,last name,first name,faculty,programme,year,group"


def csv_bytes(*lines: str, encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    return newline.join(lines).encode(encoding) + newline.encode()


def codes(roster: RosterFile) -> dict[int, list[str]]:
    return {line.line: [reason.code for reason in line.reasons] for line in roster.rejected}


# --- encodings and delimiters -------------------------------------------------------------------

def test_french_semicolon_file_in_utf8_with_bom():
    data = b"\xef\xbb\xbf" + csv_bytes(
        FR_HEADER, "20231234;Zoe.Dupont@etu.univ-amu.fr;Dupont;Zoé;Faculté des sciences;Licence Informatique;L1;G1")
    roster = parse_roster(data)
    assert roster.encoding == "utf-8-sig" and roster.delimiter == ";"
    assert roster.columns["student_number"] == "Numéro étudiant"  # the BOM is not part of the header
    [row] = roster.rows
    assert (row.line, row.student_number, row.email) == (2, "20231234", "zoe.dupont@etu.univ-amu.fr")
    assert (row.first_name, row.faculty, row.year_of_study, row.group_name) == ("Zoé", "Faculté des sciences", "L1", "G1")
    assert roster.rejected == [] and roster.unknown_columns == []


def test_windows_1252_accents_are_decoded():
    data = csv_bytes(FR_HEADER, "1;a@etu.univ-amu.fr;Lefèvre;Hélène;Faculté de médecine;Diplôme d'État;M1;",
                     encoding="cp1252")
    assert "é".encode("cp1252") in data  # really not UTF-8
    roster = parse_roster(data)
    assert roster.encoding == "cp1252"
    assert (roster.rows[0].last_name, roster.rows[0].first_name) == ("Lefèvre", "Hélène")
    assert roster.rows[0].faculty == "Faculté de médecine"


def test_utf8_without_bom_and_comma_with_quoted_fields():
    data = csv_bytes(EN_HEADER, '2,b@etu.univ-amu.fr,"Martin, Jr",Luc,"Faculté des arts, lettres, langues et '
                     'sciences humaines",Licence LEA,L3,TD 2', newline="\n")
    roster = parse_roster(data)
    assert roster.encoding == "utf-8" and roster.delimiter == ","
    assert roster.rows[0].last_name == "Martin, Jr"
    assert roster.rows[0].faculty == "Faculté des arts, lettres, langues et sciences humaines"


@pytest.mark.parametrize("header, field", [
    ("N° étudiant", "student_number"), ("NUMERO ETUDIANT", "student_number"), ("student_id", "student_number"),
    ("Student Number", "student_number"), ("E-mail", "email"), ("Courriel", "email"), ("Adresse électronique", "email"),
    ("Nom", "last_name"), ("Last name", "last_name"), ("Prénom", "first_name"), ("First name", "first_name"),
    ("Composante", "faculty"), ("Faculty", "faculty"), ("Diplôme", "programme"), ("Formation", "programme"),
    ("Programme", "programme"), ("Année", "year_of_study"), ("Year", "year_of_study"), ("Groupe", "group_name"),
    ("Group", "group_name"),
])
def test_headers_in_french_and_english_any_case_or_accent(header, field):
    other = "email" if field == "student_number" else "student number"
    first = "student number" if field not in ("student_number", "email") else other
    headers = [header] + ([first] if field not in ("student_number", "email") else [other])
    if field not in ("student_number", "email"):
        headers.append("email")
    roster = parse_roster(csv_bytes(";".join(headers), ";".join(["x@etu.univ-amu.fr" if h.lower() in (
        "email", "e-mail", "courriel", "adresse électronique") else "v1" for h in headers])))
    assert roster.columns[field] == header


def test_header_key_drops_accents_case_and_punctuation():
    assert header_key("  N° Étudiant ") == "n etudiant"
    assert header_key("E-MAIL") == "e mail"


def test_missing_required_column_is_a_file_error():
    with pytest.raises(RosterError) as error:
        parse_roster(csv_bytes("Nom;Prénom;Courriel", "Dupont;Zoé;z@etu.univ-amu.fr"))
    assert error.value.code == "missing-column"
    assert "student number" in str(error.value) and "Nom, Prénom, Courriel" in str(error.value)


def test_unknown_columns_are_reported_and_ignored():
    roster = parse_roster(csv_bytes("Numéro étudiant;Courriel;Remarque;;Bourse", "1;a@etu.univ-amu.fr;x;;oui"))
    assert roster.unknown_columns == ["Remarque", "Bourse"]
    assert roster.rows[0].student_number == "1"


def test_a_column_given_twice_is_a_file_error():
    with pytest.raises(RosterError) as error:
        parse_roster(csv_bytes("Numéro étudiant;Courriel;E-mail", "1;a@etu.univ-amu.fr;b@etu.univ-amu.fr"))
    assert error.value.code == "duplicate-column"


# --- line validation ----------------------------------------------------------------------------

def test_duplicates_within_the_file_reject_every_line_involved():
    roster = parse_roster(csv_bytes(
        "Numéro étudiant;Courriel",
        "1;a@etu.univ-amu.fr",
        "2;b@etu.univ-amu.fr",
        "1;c@etu.univ-amu.fr",
        "3;B@etu.univ-amu.fr",   # same address as line 3 once lower-cased
        "4;d@etu.univ-amu.fr",
        "1;e@etu.univ-amu.fr",
    ))
    assert [row.line for row in roster.rows] == [6]
    assert codes(roster) == {2: ["duplicate-student-number"], 3: ["duplicate-email"], 4: ["duplicate-student-number"],
                             5: ["duplicate-email"], 7: ["duplicate-student-number"]}
    messages = {line.line: line.message for line in roster.rejected}
    assert "line(s) 4, 7" in messages[2] and "line(s) 2, 7" in messages[4] and "line(s) 3" in messages[5]


def test_a_duplicate_of_an_invalid_line_still_rejects_both():
    roster = parse_roster(csv_bytes("Numéro étudiant;Courriel", "1;not-an-address", "1;a@etu.univ-amu.fr"))
    assert roster.rows == []
    assert codes(roster) == {2: ["bad-email", "duplicate-student-number"], 3: ["duplicate-student-number"]}


@pytest.mark.parametrize("address", ["plain", "a@b", "a b@etu.univ-amu.fr", "a@@etu.univ-amu.fr", ".a@etu.fr",
                                     "a..b@etu.fr", "a@-etu.fr", "a@etu..fr", "a@etu.fr.", "é@etu.fr"])
def test_bad_emails_are_rejected(address):
    roster = parse_roster(csv_bytes("Numéro étudiant;Courriel", f"1;{address}", "2;ok@etu.univ-amu.fr"))
    assert codes(roster) == {2: ["bad-email"]}
    assert [row.line for row in roster.rows] == [3]


def test_valid_email_accepts_usual_university_addresses():
    assert valid_email("jean-luc.o'neil+cyber@etu.univ-amu.fr")
    assert not valid_email("x" * 250 + "@a.fr")


def test_missing_required_values_are_rejected():
    roster = parse_roster(csv_bytes("Numéro étudiant;Courriel;Nom", ";a@etu.univ-amu.fr;A", "2;;B", "3;c@etu.fr;C"))
    assert codes(roster) == {2: ["missing-student-number"], 3: ["missing-email"]}


@pytest.mark.parametrize("column, limit", [("Numéro étudiant", 32), ("Nom", 100), ("Prénom", 100),
                                            ("Composante", 120), ("Diplôme", 200), ("Année", 20), ("Groupe", 60)])
def test_over_long_values_are_rejected_at_the_column_length(column, limit):
    header = "Courriel;" + column
    ok = parse_roster(csv_bytes(header if column == "Numéro étudiant" else header + ";Numéro étudiant",
                                "a@etu.univ-amu.fr;" + "x" * limit + ("" if column == "Numéro étudiant" else ";1")))
    assert ok.rejected == []
    too_long = parse_roster(csv_bytes(header if column == "Numéro étudiant" else header + ";Numéro étudiant",
                                      "a@etu.univ-amu.fr;" + "x" * (limit + 1)
                                      + ("" if column == "Numéro étudiant" else ";1")))
    assert codes(too_long) == {2: ["too-long"]}
    assert f"at most {limit}" in too_long.rejected[0].message


def test_overlong_email_is_rejected():
    roster = parse_roster(csv_bytes("Numéro étudiant;Courriel", "1;" + "a" * 250 + "@etu.fr"))
    assert codes(roster) == {2: ["too-long"]}


def test_formula_like_values_are_kept_but_trimmed():
    roster = parse_roster(csv_bytes("Numéro étudiant;Courriel;Nom;Groupe",
                                    "1;a@etu.univ-amu.fr;  =HYPERLINK(\"http://x\")  ;  @SUM(A1)\t"))
    assert roster.rows[0].last_name == '=HYPERLINK("http://x")'
    assert roster.rows[0].group_name == "@SUM(A1)"


def test_wrong_field_counts_and_unclosed_quotes_are_rejected_with_physical_line_numbers():
    roster = parse_roster(csv_bytes(
        "Numéro étudiant;Courriel;Nom",
        "1;a@etu.univ-amu.fr;A",
        "",
        "2;b@etu.univ-amu.fr",                # one field short
        "3;c@etu.univ-amu.fr;C;extra",        # one too many
        "4;d@etu.univ-amu.fr;D;",             # a trailing empty field is fine
        '5;e@etu.univ-amu.fr;"Multi',
        'line";',
        "6;f@etu.univ-amu.fr;F",
    ))
    assert [row.line for row in roster.rows] == [2, 6, 9]
    assert codes(roster) == {4: ["field-count"], 5: ["field-count"], 7: ["unclosed-quote"]}
    assert "line 7 to line 8" in roster.rejected[-1].message
    assert roster.line_count == 9


def test_blank_lines_are_skipped_and_line_numbers_stay_physical():
    roster = parse_roster(csv_bytes("Numéro étudiant;Courriel", "", ";", "1;a@etu.univ-amu.fr", newline="\r\n"))
    assert [row.line for row in roster.rows] == [4]


# --- files refused as a whole -------------------------------------------------------------------

@pytest.mark.parametrize("data, code", [
    (b"", "empty"),
    (b"  \r\n\r\n", "empty"),
    (b"\r\nNum\xc3\xa9ro \xc3\xa9tudiant;Courriel\r\n", "no-header"),
    ("Numéro étudiant;Courriel\r\n".encode(), "no-rows"),
    (b"PK\x03\x04\x14\x00\x06\x00", "not-csv"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "not-csv"),
    ("Numéro étudiant;Courriel\r\n".encode("utf-16"), "not-csv"),
    (b"Num;Courriel\r\n1;a\x00b@x.fr\r\n", "binary"),
    (b"\xef\xbb\xbfNum\xe9ro;Courriel\r\n", "bad-encoding"),
    (b"Num\x81ro;Courriel\r\n", "bad-encoding"),  # 0x81 is undefined in Windows-1252
])
def test_unreadable_files_raise_a_clear_error(data, code):
    with pytest.raises(RosterError) as error:
        parse_roster(data)
    assert error.value.code == code
    assert str(error.value)


def test_files_over_20_mb_are_refused(monkeypatch):
    monkeypatch.setattr(roster_module, "MAX_BYTES", 1000)
    data = csv_bytes("Numéro étudiant;Courriel", *(f"{n};s{n}@etu.univ-amu.fr" for n in range(60)))
    assert len(data) > 1000
    with pytest.raises(RosterError) as error:
        parse_roster(data)
    assert error.value.code == "too-large"


def test_more_than_200000_lines_are_refused():
    data = csv_bytes("Numéro étudiant;Courriel", *([";"] * MAX_LINES))  # small, but too many lines
    with pytest.raises(RosterError) as error:
        parse_roster(data)
    assert error.value.code == "too-many-lines"


def test_exactly_200000_lines_are_accepted():
    data = csv_bytes("Numéro étudiant;Courriel", "1;a@etu.univ-amu.fr", *([";"] * (MAX_LINES - 2)))
    assert parse_roster(data).line_count == MAX_LINES


# --- whatever the bytes ---------------------------------------------------------------------------

CSVISH = st.lists(st.sampled_from([b"Num\xc3\xa9ro \xc3\xa9tudiant", b"Courriel", b"email", b";", b",", b"\r\n",
                                   b"\n", b"\r", b'"', b"1", b"a@etu.univ-amu.fr", b"\xe9", b"\xef\xbb\xbf", b" ",
                                   b"=cmd", b"\x00", b"\x81", b"\xff"]), max_size=60).map(b"".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(st.binary(max_size=400), CSVISH))
def test_any_bytes_give_a_roster_or_a_roster_error(data):
    try:
        roster = parse_roster(data)
    except RosterError as error:
        assert error.code and str(error)
        return
    assert roster.rows or roster.rejected
    lines = [row.line for row in roster.rows] + [line.line for line in roster.rejected]
    assert len(lines) == len(set(lines)) and all(2 <= line <= roster.line_count for line in lines)
    for row in roster.rows:
        assert row.student_number and valid_email(row.email)
