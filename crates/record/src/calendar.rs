//! Calendar dates without a date library: `YYYY-MM-DD` (UTC, proleptic Gregorian) to and from
//! milliseconds since the Unix epoch, with Howard Hinnant's civil-date algorithms. One place for
//! the date arithmetic of deadlines, audits and pages.

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Now, in milliseconds since the Unix epoch (0 if the system clock is before it). The one
/// reader of the wall clock for timestamps; decisions take the time as an argument.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Milliseconds since the epoch at 00:00 UTC of a `YYYY-MM-DD` date; `None` when it is not one
/// (including days a month does not have).
pub fn day_start_ms(text: &str) -> Option<i64> {
    let mut parts = text.trim().split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d) * DAY_MS)
}

/// `YYYY-MM-DD` (UTC) of a time in ms since the epoch.
pub fn date_of_ms(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_known_points() {
        assert_eq!(day_start_ms("1970-01-01"), Some(0));
        assert_eq!(day_start_ms("2000-03-01"), Some(951_868_800_000));
        assert_eq!(
            day_start_ms("2024-02-29").map(date_of_ms),
            Some("2024-02-29".into())
        );
        assert_eq!(day_start_ms("2025-02-29"), None);
        assert_eq!(day_start_ms("2025-13-01"), None);
        assert_eq!(day_start_ms("2025-04-31"), None);
        assert_eq!(day_start_ms("tomorrow"), None);
        for days in (-600_000..800_000).step_by(997) {
            let text = date_of_ms(days * DAY_MS);
            assert_eq!(day_start_ms(&text), Some(days * DAY_MS), "{text}");
        }
        assert_eq!(date_of_ms(DAY_MS - 1), "1970-01-01");
    }

    #[test]
    fn days_map_to_their_year_across_year_ends() {
        let year = |days| civil_from_days(days).0;
        assert_eq!(year(0), 1970);
        assert_eq!(year(364), 1970);
        assert_eq!(year(365), 1971);
        // 2024-12-31 and 2025-01-01 (2024 is a leap year).
        assert_eq!(civil_from_days(20_088), (2024, 12, 31));
        assert_eq!(civil_from_days(20_089), (2025, 1, 1));
        assert_eq!(year(-1), 1969);
    }
}
