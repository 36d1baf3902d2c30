//! CEL's timestamp accessors in a time zone (`t.getHours('Europe/Paris')`,
//! `t.getDayOfWeek('+05:30')`), with the zones of jiff's bundled database.
//!
//! The cel crate answers these through chrono-tz, whose tables are a megabyte
//! of pointers: the dynamic loader relocates every one of them at each start
//! of a program that links them, a third of a cold `planton validate`. So the
//! parser routes each of these calls, by a macro, to a function of ours with
//! the same meaning, and the workspace builds chrono-tz with UTC alone
//! (`.cargo/config.toml`). jiff's database is one block of bytes, read only
//! when a zone is asked for.
//!
//! The zone argument means what it means in cel-go: an IANA name (matched
//! exactly, case included; the empty string is UTC), or `[+-]HH:MM`, an
//! offset from UTC, when it holds a colon.

use cel::common::ast::{CallExpr, Expr as Ast};
use cel::common::types::{CelInt, CelString, CelTimestamp};
use cel::parser::Macro;
use cel::{Env, ExecutionError};
use chrono::{DateTime, Datelike, FixedOffset, Timelike};

/// The name the parser gives the zoned form of accessor `name`: not an
/// identifier, so no expression can call it by that name.
fn routed(name: &str) -> String {
    format!("{name}@zone")
}

/// `t.NAME(zone)` becomes the call of our `NAME@zone` on the same target and
/// argument. Only timestamps take a zone, so every such call is one of them
/// (anything else finds no overload, as before).
fn route(name: &'static str) -> Macro {
    Macro::receiver(name, 1, move |helper, target, args| {
        let Some(target) = target.take() else {
            return Ok(None);
        };
        Ok(Some(helper.next_expr(Ast::Call(CallExpr {
            func_name: routed(name),
            target: Some(Box::new(target)),
            args: std::mem::take(args),
        }))))
    })
}

/// `ts` as seen in `zone`.
fn in_zone(ts: &CelTimestamp, zone: &str) -> Result<DateTime<FixedOffset>, ExecutionError> {
    let fail = |message: String| ExecutionError::function_error("timezone", message);
    let at = ts.inner();
    let seconds = match zone.split_once(':') {
        None if zone.is_empty() => 0,
        None => {
            let unknown = || fail(format!("unknown time zone {zone}"));
            let tz = jiff::tz::TimeZone::get(zone).map_err(|_| unknown())?;
            // jiff finds names whatever their case; IANA names (and cel-go)
            // have one spelling.
            if tz.iana_name() != Some(zone) {
                return Err(unknown());
            }
            let nanos =
                i32::try_from(at.timestamp_subsec_nanos()).map_err(|e| fail(e.to_string()))?;
            let instant =
                jiff::Timestamp::new(at.timestamp(), nanos).map_err(|e| fail(e.to_string()))?;
            tz.to_offset(instant).seconds()
        }
        Some((hours, minutes)) => {
            let hr: i32 = hours.parse().map_err(|e| fail(format!("{e}")))?;
            let min: i32 = minutes.parse().map_err(|e| fail(format!("{e}")))?;
            if !(-23..=23).contains(&hr) {
                return Err(fail(format!(
                    "timezone offset hours out of range [-23, 23]: {zone}"
                )));
            }
            if !(0..=59).contains(&min) {
                return Err(fail(format!(
                    "timezone offset minutes out of range [0, 59]: {zone}"
                )));
            }
            // `-00:30` is half an hour west: the sign is the text's.
            let total = if hours.starts_with('-') {
                hr * 60 - min
            } else {
                hr * 60 + min
            };
            total * 60
        }
    };
    let offset = FixedOffset::east_opt(seconds)
        .ok_or_else(|| fail(format!("offset out of range: {zone}")))?;
    Ok(at.with_timezone(&offset))
}

/// Each accessor, declared once: its CEL name, our function, and what it
/// reads of the zoned date and time.
macro_rules! accessors {
    ($($name:literal => $func:ident, |$dt:ident| $read:expr;)*) => {
        $(
            fn $func(this: &CelTimestamp, zone: &CelString<'_>) -> Result<CelInt, ExecutionError> {
                let $dt = in_zone(this, zone.inner())?;
                Ok(CelInt::from(i64::from($read)))
            }
        )*

        /// The zoned accessors and the macros that route the calls to them.
        pub(crate) fn register(env: &mut Env) -> Result<(), cel::DeclarationError> {
            $(
                cel::add_member_overload!(env,
                    fn $func: (CelTimestamp, CelString) -> Result<CelInt>,
                    name = &routed($name))?;
                env.add_macro(route($name))?;
            )*
            Ok(())
        }
    };
}

accessors! {
    "getFullYear" => full_year, |dt| dt.year();
    "getMonth" => month, |dt| dt.month0();
    "getDayOfYear" => day_of_year, |dt| dt.ordinal0();
    "getDayOfMonth" => day_of_month, |dt| dt.day0();
    "getDate" => date, |dt| dt.day();
    "getDayOfWeek" => day_of_week, |dt| dt.weekday().num_days_from_sunday();
    "getHours" => hours, |dt| dt.hour();
    "getMinutes" => minutes, |dt| dt.minute();
    "getSeconds" => seconds, |dt| dt.second();
    "getMilliseconds" => milliseconds, |dt| dt.timestamp_subsec_millis();
}

#[cfg(test)]
mod tests {
    use crate::celx::Cel;

    fn eval(cel: &Cel, source: &str) -> Result<cel::Value, String> {
        let expr = cel.compile(source, None)?;
        let now = chrono::DateTime::parse_from_rfc3339("2000-01-01T00:00:00Z").unwrap();
        cel.eval(&expr, None, None, None, &now)
            .map_err(|e| e.to_string())
    }

    fn int(cel: &Cel, source: &str) -> i64 {
        match eval(cel, source) {
            Ok(cel::Value::Int(i)) => i,
            other => panic!("{source}: {other:?}"),
        }
    }

    #[test]
    fn named_zones_follow_their_rules_daylight_saving_included() {
        let cel = Cel::new();
        // New York moved to daylight time at 07:00 UTC that day.
        assert_eq!(
            int(
                &cel,
                "timestamp('2024-03-10T06:59:59Z').getHours('America/New_York')"
            ),
            1
        );
        assert_eq!(
            int(
                &cel,
                "timestamp('2024-03-10T07:00:00Z').getHours('America/New_York')"
            ),
            3
        );
        // protovalidate's own example zone, a link: Sunday evening there,
        // Monday in UTC.
        assert_eq!(
            int(
                &cel,
                "timestamp('2024-01-01T00:00:00Z').getDayOfWeek('US/Central')"
            ),
            0
        );
        assert_eq!(
            int(&cel, "timestamp('2024-01-01T00:00:00Z').getDayOfWeek()"),
            1
        );
        assert_eq!(
            int(&cel, "timestamp('2024-01-01T00:00:00Z').getDayOfWeek('')"),
            1
        );
        assert_eq!(
            int(
                &cel,
                "timestamp('2024-07-01T00:00:01.250Z').getMinutes('Asia/Kolkata')"
            ),
            30
        );
        assert_eq!(
            int(
                &cel,
                "timestamp('2024-07-01T00:00:01.250Z').getMilliseconds('Asia/Kolkata')"
            ),
            250
        );
        assert_eq!(
            int(
                &cel,
                "timestamp('2024-07-01T00:00:01.250Z').getSeconds('Asia/Kolkata')"
            ),
            1
        );
    }

    #[test]
    fn offsets_move_the_date_with_them() {
        let cel = Cel::new();
        let t = "timestamp('2024-01-01T00:00:00Z')";
        assert_eq!(int(&cel, &format!("{t}.getHours('+05:30')")), 5);
        assert_eq!(int(&cel, &format!("{t}.getMinutes('+05:30')")), 30);
        // Half an hour west: the last day of 2023.
        assert_eq!(int(&cel, &format!("{t}.getFullYear('-00:30')")), 2023);
        assert_eq!(int(&cel, &format!("{t}.getMonth('-00:30')")), 11);
        assert_eq!(int(&cel, &format!("{t}.getDayOfYear('-00:30')")), 364);
        assert_eq!(int(&cel, &format!("{t}.getDayOfMonth('-00:30')")), 30);
        assert_eq!(int(&cel, &format!("{t}.getDate('-00:30')")), 31);
        assert_eq!(int(&cel, &format!("{t}.getHours('-00:30')")), 23);
    }

    #[test]
    fn every_accessor_agrees_with_cels_own_in_utc() {
        let cel = Cel::new();
        let names = [
            "getFullYear",
            "getMonth",
            "getDayOfYear",
            "getDayOfMonth",
            "getDate",
            "getDayOfWeek",
            "getHours",
            "getMinutes",
            "getSeconds",
            "getMilliseconds",
        ];
        // Instants 37 hours and some seconds apart from 1999 to 2025, leap
        // days and year ends among them.
        let mut secs: i64 = 915_148_800;
        while secs < 1_750_000_000 {
            for name in names {
                let t = format!("(timestamp({secs}) + duration('0.123s'))");
                let own = int(&cel, &format!("{t}.{name}()"));
                assert_eq!(int(&cel, &format!("{t}.{name}('UTC')")), own, "{t}.{name}");
                assert_eq!(
                    int(&cel, &format!("{t}.{name}('+00:00')")),
                    own,
                    "{t}.{name}"
                );
            }
            secs += 37 * 3600 * 24 + 4_321;
        }
    }

    #[test]
    fn unknown_zones_and_bad_offsets_are_errors() {
        let cel = Cel::new();
        let t = "timestamp('2024-01-01T00:00:00Z')";
        for zone in [
            "Mars/Olympus_Mons",
            "america/new_york",
            "Local",
            "+24:00",
            "+01:60",
            "x:00",
        ] {
            let err = eval(&cel, &format!("{t}.getHours('{zone}')")).unwrap_err();
            assert!(err.contains("timezone"), "{zone}: {err}");
        }
        assert!(
            eval(
                &cel,
                "timestamp('2024-01-01T00:00:00Z').getHours('Mars/Olympus_Mons')"
            )
            .unwrap_err()
            .contains("unknown time zone Mars/Olympus_Mons")
        );
        // Durations take no zone.
        assert!(eval(&cel, "duration('3600s').getHours('UTC')").is_err());
        assert_eq!(int(&cel, "duration('7200s').getHours()"), 2);
    }
}
