//! Kubernetes resource quantities (`500m`, `1Gi`, `1e3`), parsed exactly.

/// A parsed quantity, as a whole number of nano-units (the finest precision
/// Kubernetes keeps; finer fractions round up, as Kubernetes rounds them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity {
    nanos: i128,
}

/// Why a text is not a quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuantityError {
    /// The text does not follow the quantity syntax.
    #[error(
        "must be a Kubernetes quantity: a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E, or an exponent such as e3)"
    )]
    Syntax,
    /// The value is too large to represent.
    #[error("is too large for a Kubernetes quantity")]
    TooLarge,
}

impl Quantity {
    /// Parses a quantity: `<sign><digits>[.<digits>]<suffix>`.
    ///
    /// # Errors
    ///
    /// [`QuantityError`] when the text is not a quantity or cannot be represented.
    pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
        let bytes = text.as_bytes();
        let (negative, rest) = match bytes.first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let number_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let (number, suffix) = rest.split_at(number_len);
        let (int, frac) = number.split_once('.').unwrap_or((number, ""));
        if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
            return Err(QuantityError::Syntax);
        }
        let (exp10, exp2): (i64, u32) = match suffix {
            "" => (0, 0),
            "n" => (-9, 0),
            "u" => (-6, 0),
            "m" => (-3, 0),
            "k" => (3, 0),
            "M" => (6, 0),
            "G" => (9, 0),
            "T" => (12, 0),
            "P" => (15, 0),
            "E" => (18, 0),
            "Ki" => (0, 10),
            "Mi" => (0, 20),
            "Gi" => (0, 30),
            "Ti" => (0, 40),
            "Pi" => (0, 50),
            "Ei" => (0, 60),
            s if s.starts_with(['e', 'E']) => {
                let digits = &s[1..];
                let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
                if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(QuantityError::Syntax);
                }
                // Beyond i64 the value is out of any range anyway (or
                // rounds to zero, which Kubernetes also refuses to keep).
                (
                    digits.parse::<i64>().map_err(|_| QuantityError::TooLarge)?,
                    0,
                )
            }
            _ => return Err(QuantityError::Syntax),
        };
        // mantissa × 10^(exp10 − len(frac) + 9) × 2^exp2 nano-units.
        let significant = int
            .bytes()
            .chain(frac.bytes())
            .skip_while(|&b| b == b'0')
            .count();
        if significant > 36 {
            return Err(QuantityError::TooLarge);
        }
        // At most 36 significant digits: fits an i128.
        let mantissa = int
            .bytes()
            .chain(frac.bytes())
            .fold(0i128, |m, b| m * 10 + i128::from(b - b'0'));
        // Checked throughout: exponents and fraction lengths come from the
        // input.
        let frac_len = i64::try_from(frac.len()).map_err(|_| QuantityError::TooLarge)?;
        let scale = match exp10.checked_sub(frac_len).and_then(|s| s.checked_add(9)) {
            Some(scale) => scale,
            // Below i64: finer than any nano-unit.
            None if exp10 < 0 => i64::MIN,
            None => return Err(QuantityError::TooLarge),
        };
        let mut nanos = mantissa
            .checked_mul(1i128.checked_shl(exp2).ok_or(QuantityError::TooLarge)?)
            .ok_or(QuantityError::TooLarge)?;
        if nanos == 0 {
            // Zero at any scale.
        } else if scale >= 0 {
            let factor = u32::try_from(scale)
                .ok()
                .and_then(|s| 10i128.checked_pow(s))
                .ok_or(QuantityError::TooLarge)?;
            nanos = nanos.checked_mul(factor).ok_or(QuantityError::TooLarge)?;
        } else {
            // Finer than a nano-unit: round up, as Kubernetes does.
            let divisor = u32::try_from(scale.unsigned_abs())
                .ok()
                .and_then(|s| 10i128.checked_pow(s));
            nanos = match divisor {
                Some(d) => nanos / d + i128::from(nanos % d != 0),
                None => 1,
            };
        }
        Ok(Quantity {
            nanos: if negative { -nanos } else { nanos },
        })
    }

    /// Whether the quantity is below zero.
    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// Whether the quantity is a whole number of units whose value in
    /// milli-units fits an int64, as Kubernetes wants byte counts.
    pub fn is_whole_and_milli_fits(&self) -> bool {
        self.nanos % 1_000_000_000 == 0 && self.nanos / 1_000_000 <= i128::from(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn equal_values_in_different_notations() {
        assert_eq!(q("1"), q("1000m"));
        assert_eq!(q("1Gi"), q("1024Mi"));
        assert_eq!(q("1k"), q("1e3"));
        assert_eq!(q("0.5"), q("500m"));
        assert_eq!(q("1.5Gi"), q("1536Mi"));
        assert_eq!(q("+2"), q("2"));
        assert_eq!(q(".5"), q("0.5"));
        assert_eq!(q("1E"), q("1e18"));
    }

    #[test]
    fn ordering() {
        assert!(q("50m") < q("1000m"));
        assert!(q("100Mi") < q("1Gi"));
        assert!(q("1G") < q("1Gi"));
        assert!(q("-1").is_negative());
        assert_eq!(q("2").cmp(&q("1")), std::cmp::Ordering::Greater);
    }

    #[test]
    fn finer_than_nano_rounds_up() {
        assert_eq!(q("0.1n"), q("1n"));
    }

    #[test]
    fn rejects_what_kubernetes_rejects() {
        for bad in [
            "", "m", "1.5.0", "100MB", "1K", "1mi", "Gi", "1e", "1e+", "lots", "1 Gi", "--1",
            "1.2.3Gi", "0x10",
        ] {
            assert_eq!(Quantity::parse(bad), Err(QuantityError::Syntax), "{bad}");
        }
        assert_eq!(Quantity::parse("1e40"), Err(QuantityError::TooLarge));
        // Exponents at and beyond the integer limits: errors, never an
        // overflow (a panic in debug builds).
        for big in [
            "1e2147483647",
            "1e+2147483648",
            "1e9223372036854775807",
            "1e99999999999999999999",
            "-1e2147483647",
            "1.5e9223372036854775807",
        ] {
            assert_eq!(Quantity::parse(big), Err(QuantityError::TooLarge), "{big}");
        }
        // Tiny values round up to one nano-unit, whatever the exponent.
        assert_eq!(q("1e-2147483648"), q("1n"));
        assert_eq!(q("1e-9223372036854775808"), q("1n"));
        assert_eq!(q("0e2147483647"), q("0"));
        assert_eq!(q("1.5e-9223372036854775808"), q("1n"));
        // The largest mantissa at the finest scale: no overflow in rounding.
        assert!(Quantity::parse(&format!("{}e-40", "9".repeat(36))).is_ok());
        assert_eq!(
            Quantity::parse("99999999999999999999999999999999999999999"),
            Err(QuantityError::TooLarge)
        );
    }
}
