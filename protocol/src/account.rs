//! [`Account`]: a 32-byte account id as `0x` + 64 hex digits on the wire.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A 32-byte account id (escrow contract, payee, payer). JSON: `"0x"` followed by
/// exactly 64 hex digits (written lowercase, read in either case) — unambiguous for
/// every language; SS58 is for people only.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Account(#[serde(with = "gb_interfaces::serde_fmt::hex_bytes")] pub [u8; 32]);

impl Account {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl From<[u8; 32]> for Account {
    fn from(bytes: [u8; 32]) -> Self {
        Account(bytes)
    }
}

impl From<Account> for [u8; 32] {
    fn from(a: Account) -> Self {
        a.0
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Account({self})")
    }
}

/// Text that is not `0x` + 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected an account as 0x followed by 64 hex digits, got {0:?}")]
pub struct BadAccount(pub String);

impl FromStr for Account {
    type Err = BadAccount;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix("0x").ok_or_else(|| BadAccount(s.into()))?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(digits, &mut bytes).map_err(|_| BadAccount(s.into()))?;
        Ok(Account(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_json_is_0x_and_64_lowercase_hex_digits_and_reads_back() {
        let a = Account([0xAB; 32]);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, format!("\"0x{}\"", "ab".repeat(32)));
        assert_eq!(serde_json::from_str::<Account>(&json).unwrap(), a);
        let upper = format!("\"0x{}\"", "AB".repeat(32));
        assert_eq!(serde_json::from_str::<Account>(&upper).unwrap(), a);
    }

    #[test]
    fn account_without_0x_or_of_the_wrong_length_is_refused() {
        for bad in [
            "ab".repeat(32),
            format!("0x{}", "ab".repeat(31)),
            format!("0x{}", "ab".repeat(33)),
            format!("0x{}zz", "ab".repeat(31)),
        ] {
            assert!(bad.parse::<Account>().is_err(), "{bad}");
            assert!(serde_json::from_str::<Account>(&format!("\"{bad}\"")).is_err());
        }
    }
}
