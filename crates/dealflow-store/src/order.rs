//! Lists sorted by a column the reader picked rather than in their natural order: each list's
//! sortable columns, and how a page of such a list is asked for.

/// A list sorted by one of its columns `C`, then by id; rows without a value come last in
/// either direction. Such a list is paged by position: a sort by an arbitrary column has no
/// keyset that stays short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sorted<C> {
    pub by: C,
    pub descending: bool,
    /// How many rows of the sorted list come before the page.
    pub offset: i64,
}

/// A list's sortable columns, each named in links by a short key.
pub trait SortColumn: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn key(self) -> &'static str;
    /// The SQL expression the list is sorted by (over the list query's table aliases).
    fn expression(self) -> &'static str;

    fn parse(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.key() == key)
    }
}

macro_rules! sort_columns {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $key:literal => $sql:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl SortColumn for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }
            fn expression(self) -> &'static str {
                match self { $($name::$variant => $sql),+ }
            }
        }
    };
}

sort_columns! {
    /// The opportunity list's columns (`o` the opportunity, `s` its stage, `acc` its account,
    /// `u` its owner).
    OpportunitySort {
        Title = "title" => "LOWER(o.title)",
        Account = "account" => "LOWER(acc.name)",
        Stage = "stage" => "s.position",
        Owner = "owner" => "LOWER(u.name)",
        Amount = "amount" => "COALESCE(o.actual_revenue, o.amount)",
        CloseDate = "close" => "o.close_date",
        Probability = "probability" => "o.probability",
        // Kept by the triggers of migration 0016.
        NextActivity = "next" => "o.next_activity_at",
        Updated = "updated" => "o.updated_at",
    }
}

sort_columns! {
    /// The account list's columns.
    AccountSort {
        Name = "name" => "name_lower",
        Industry = "industry" => "LOWER(industry)",
        Phone = "phone" => "phone",
        Website = "website" => "LOWER(website)",
    }
}

sort_columns! {
    /// The contact list's columns (`x` the contact).
    ContactSort {
        Name = "name" => "x.name_lower",
        JobTitle = "job_title" => "LOWER(x.job_title)",
        // Kept by the triggers of migration 0024; its indexes hold this order.
        Account = "account" => "x.account_name_lower",
        Email = "email" => "LOWER(x.email)",
        Phone = "phone" => "x.phone",
    }
}

sort_columns! {
    /// The lead list's columns (`l` the lead, `s` its stage, `u` its owner).
    LeadSort {
        Title = "title" => "LOWER(l.title)",
        Stage = "stage" => "s.position",
        Owner = "owner" => "LOWER(u.name)",
        Budget = "budget" => "l.budget",
        Created = "created" => "l.created_at",
    }
}

impl crate::sql::Sql {
    /// ` ORDER BY` the sorted column (rows without a value last), then id, and the page's rows.
    pub(crate) fn push_sorted<C: SortColumn>(&mut self, sorted: &Sorted<C>, id: &str, limit: i64) -> &mut Self {
        let expression = sorted.by.expression();
        let direction = if sorted.descending { " DESC" } else { "" };
        self.push(&format!(" ORDER BY CASE WHEN {expression} IS NULL THEN 1 ELSE 0 END, {expression}{direction}, {id}{direction}"));
        self.push(" LIMIT ").bind(limit).push(" OFFSET ").bind(sorted.offset.max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_columns_and_nothing_else() {
        assert_eq!(OpportunitySort::parse("close"), Some(OpportunitySort::CloseDate));
        assert_eq!(LeadSort::parse("budget"), Some(LeadSort::Budget));
        assert_eq!(AccountSort::parse("id; DROP TABLE accounts"), None);
        for column in OpportunitySort::ALL {
            assert_eq!(OpportunitySort::parse(column.key()), Some(*column));
        }
    }
}
