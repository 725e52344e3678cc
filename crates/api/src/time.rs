//! Wall-clock helpers: the current time in ms, and calendar dates for display (from
//! `coalition_record::calendar`, the one place that does date arithmetic).

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `YYYY-MM-DD` (UTC) of a timestamp in ms since the Unix epoch (the record crate's calendar).
pub use coalition_record::calendar::date_of_ms;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_of_ms(0), "1970-01-01");
        assert_eq!(date_of_ms(1_704_067_200_000), "2024-01-01");
        assert_eq!(date_of_ms(1_709_164_800_000), "2024-02-29");
        assert_eq!(date_of_ms(-86_400_000), "1969-12-31");
    }
}
