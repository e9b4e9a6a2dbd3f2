//! Serde formats of the off-chain JSON forms (feature `serde`), for use with
//! `#[serde(with = "…")]`: byte arrays as `0x`-prefixed lowercase hex, big integers as
//! decimal strings (a JSON number above 2^53 loses precision in JavaScript).

/// `[u8; N]` as a `0x`-prefixed hex string of exactly `2 N` digits (lowercase when
/// written; either case read).
pub mod hex_bytes {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    /// Writes `0x` and the lowercase hex digits of `bytes`.
    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("0x{}", hex::encode(bytes)))
    }

    /// Reads `0x` and exactly `2 N` hex digits.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        deserializer: D,
    ) -> Result<[u8; N], D::Error> {
        let text = String::deserialize(deserializer)?;
        let digits = text
            .strip_prefix("0x")
            .ok_or_else(|| D::Error::custom(format!("expected 0x-prefixed hex, got {text:?}")))?;
        let mut bytes = [0u8; N];
        hex::decode_to_slice(digits, &mut bytes)
            .map_err(|e| D::Error::custom(format!("expected {N} bytes as 0x-prefixed hex: {e}")))?;
        Ok(bytes)
    }
}

/// An integer (`u64`, `u128`, …) as a decimal string, e.g. `"1500000000000"`.
pub mod decimal {
    use core::{fmt::Display, str::FromStr};
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    /// Writes the decimal digits of `value` as a string.
    pub fn serialize<T: Display, S: Serializer>(
        value: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads a string of decimal digits.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|e| {
            D::Error::custom(format!(
                "expected a decimal integer string, got {text:?}: {e}"
            ))
        })
    }
}
