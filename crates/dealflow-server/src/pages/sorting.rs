//! Lists sorted by the column a reader clicks: the `sort`, `dir` and paging parameters, and the
//! column headers that link to each order.

use crate::services::{SortColumn, Sorted};

/// The sorting part of a list's address: `sort` names a column, `dir` is `asc` or `desc`, and a
/// sorted list's `cursor` is the number of rows before the page.
pub(super) struct SortRequest<'a> {
    pub(super) sort: Option<&'a str>,
    pub(super) dir: Option<&'a str>,
    pub(super) cursor: Option<&'a str>,
}

impl SortRequest<'_> {
    /// The order asked for, or `None` for the list's natural one (`natural`, when that is a
    /// column in one direction, is answered `None` too). An unknown column is the natural order:
    /// an old or edited link still shows a list.
    pub(super) fn order<C: SortColumn + PartialEq>(&self, natural: Option<(C, bool)>) -> Option<Sorted<C>> {
        let by = C::parse(self.sort?)?;
        let descending = self.dir == Some("desc");
        if natural == Some((by, descending)) {
            return None;
        }
        let offset = self.cursor.and_then(|c| c.parse::<i64>().ok()).filter(|n| *n >= 0).unwrap_or(0);
        Some(Sorted { by, descending, offset })
    }
}

/// A sortable column's header: its label, the link that sorts by it (or turns the order
/// around), and how it sorts the list now, for `aria-sort`.
pub struct SortHeader {
    pub label: String,
    pub href: String,
    /// `ascending`, `descending` or `none`.
    pub aria_sort: &'static str,
    /// An arrow beside the label of the column the list is sorted by.
    pub arrow: &'static str,
    /// Right-aligned, as numbers are.
    pub numeric: bool,
}

/// The headers of a list's `columns` (column, label, numeric) under `path` with the filter
/// `params` kept; `current` is the order shown, `natural` the one without a `sort`.
pub(super) fn headers<C: SortColumn + PartialEq>(
    path: &str,
    params: &[(&str, &str)],
    columns: &[(C, &str, bool)],
    current: Option<&Sorted<C>>,
    natural: Option<(C, bool)>,
) -> Vec<SortHeader> {
    let shown = current.map(|s| (s.by, s.descending)).or(natural);
    columns
        .iter()
        .map(|&(column, label, numeric)| {
            let now = shown.filter(|(by, _)| *by == column).map(|(_, descending)| descending);
            // A click sorts by the column from the start; on the sorted column it turns the order.
            let descending = now == Some(false);
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (key, value) in params.iter().filter(|(_, value)| !value.is_empty()) {
                query.append_pair(key, value);
            }
            query.append_pair("sort", column.key()).append_pair("dir", direction(descending));
            SortHeader {
                label: label.to_owned(),
                href: format!("{path}?{}", query.finish()),
                aria_sort: match now {
                    None => "none",
                    Some(false) => "ascending",
                    Some(true) => "descending",
                },
                arrow: match now {
                    None => "",
                    Some(false) => "▲",
                    Some(true) => "▼",
                },
                numeric,
            }
        })
        .collect()
}

/// The order a list shows (column key, direction), for its filter form to keep.
pub(super) fn kept<C: SortColumn>(sorted: Option<&Sorted<C>>) -> Option<(&'static str, &'static str)> {
    sorted.map(|s| (s.by.key(), direction(s.descending)))
}

fn direction(descending: bool) -> &'static str {
    if descending { "desc" } else { "asc" }
}

/// The link to the next page of a sorted or naturally ordered list: the filters, the order, and
/// the cursor (a keyset position, or the next page's offset when sorted).
pub(super) fn next_page<C: SortColumn>(path: &str, params: &[(&str, &str)], sorted: Option<&Sorted<C>>, cursor: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in params.iter().filter(|(_, value)| !value.is_empty()) {
        query.append_pair(key, value);
    }
    if let Some(sorted) = sorted {
        query.append_pair("sort", sorted.by.key()).append_pair("dir", direction(sorted.descending));
    }
    query.append_pair("cursor", cursor);
    format!("{path}?{}", query.finish())
}

#[cfg(test)]
mod tests {
    use crate::services::OpportunitySort;

    use super::*;

    #[test]
    fn a_click_sorts_up_and_a_second_click_down() {
        let request = SortRequest { sort: Some("amount"), dir: None, cursor: None };
        let sorted = request.order::<OpportunitySort>(None);
        assert_eq!(sorted, Some(Sorted { by: OpportunitySort::Amount, descending: false, offset: 0 }));
        let columns = [(OpportunitySort::Title, "Title", false), (OpportunitySort::Amount, "Amount", true)];
        let shown = headers("/opportunities", &[("stage", "s1"), ("q", "")], &columns, sorted.as_ref(), None);
        assert_eq!(shown[0].href, "/opportunities?stage=s1&sort=title&dir=asc");
        assert_eq!(shown[0].aria_sort, "none");
        assert_eq!(shown[1].href, "/opportunities?stage=s1&sort=amount&dir=desc");
        assert_eq!(shown[1].aria_sort, "ascending");
    }

    #[test]
    fn the_natural_order_and_unknown_columns_are_no_sort() {
        let natural = Some((OpportunitySort::Title, false));
        assert_eq!(SortRequest { sort: Some("title"), dir: Some("asc"), cursor: None }.order(natural), None);
        assert_eq!(SortRequest { sort: Some("nonsense"), dir: None, cursor: None }.order::<OpportunitySort>(None), None);
        let down = SortRequest { sort: Some("title"), dir: Some("desc"), cursor: Some("-5") }.order(natural);
        assert_eq!(down, Some(Sorted { by: OpportunitySort::Title, descending: true, offset: 0 }));
    }
}
