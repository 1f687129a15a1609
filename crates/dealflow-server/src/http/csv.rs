//! CSV downloads that spreadsheets open safely: UTF-8 with a byte-order mark (so the Cyrillic
//! reads right), RFC 4180 quoting, CRLF line ends, and no cell a spreadsheet would run as a
//! formula: text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets an apostrophe
//! in front (OWASP's advice), while plain numbers such as `-12.50` stay numbers.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Whether `text` is a plain decimal number, which no spreadsheet reads as a formula.
fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty() && !fraction.is_empty() && (whole.chars().chain(fraction.chars())).all(|c| c.is_ascii_digit())
}

/// One cell: neutralised if a spreadsheet would take it for a formula, quoted if it holds a
/// separator, a quote or a line break.
pub fn cell(text: &str) -> String {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_number(text);
    let text = if formula { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// The whole file: the byte-order mark, then each row's cells.
pub fn document<R: IntoIterator<Item = S>, S: AsRef<str>>(rows: impl IntoIterator<Item = R>) -> String {
    let mut body = String::from("\u{feff}");
    for row in rows {
        let cells: Vec<String> = row.into_iter().map(|c| cell(c.as_ref())).collect();
        body.push_str(&cells.join(","));
        body.push_str("\r\n");
    }
    body
}

/// `body` as a download named `name`.
pub fn download(name: &str, body: String) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", name.replace(['"', '\\'], ""))),
    ];
    (headers, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_formula_start_is_neutralised_and_numbers_stay_numbers() {
        assert_eq!(cell("=HYPERLINK(\"http://evil.example/\",\"x\")"), "\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\"");
        assert_eq!(cell("+7 495 123"), "'+7 495 123");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tcmd"), "'\tcmd");
        assert_eq!(cell("\rcmd"), "\"'\rcmd\"");
        assert_eq!(cell("-12.50"), "-12.50");
        assert_eq!(cell("-3"), "-3");
        assert_eq!(cell("Холодильные камеры, склад"), "\"Холодильные камеры, склад\"");
        assert_eq!(cell("e-mail"), "e-mail");
    }

    #[test]
    fn a_document_starts_with_the_byte_order_mark_and_ends_lines_with_crlf() {
        let body = document([vec!["a", "b"], vec!["=1", "2"]]);
        assert_eq!(body, "\u{feff}a,b\r\n'=1,2\r\n");
    }
}
