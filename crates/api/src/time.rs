//! Wall-clock helpers: the current time in ms, and calendar dates for display (from
//! `coalition_record::calendar`, the one place that does date arithmetic).

/// Now, in ms since the Unix epoch (the record crate's one wall-clock reader).
pub(crate) use coalition_record::calendar::now_ms;

/// `YYYY-MM-DD` (UTC) of a timestamp in ms since the Unix epoch (the record crate's calendar).
pub(crate) use coalition_record::calendar::date_of_ms;

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
