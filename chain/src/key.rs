//! Transaction signing keys: sr25519 key pairs from secret URIs (`//Alice`, a
//! mnemonic with `//derivation`, …), as cargo-contract's `--suri` takes them.

use crate::types::AccountId;
use std::str::FromStr;
use subxt_signer::{sr25519::Keypair, SecretUri};

/// A secret URI that does not give a key.
#[derive(Debug, Clone, thiserror::Error)]
#[error("`{suri}`: {reason}")]
pub struct BadSuri {
    pub suri: String,
    pub reason: String,
}

/// An account's transaction key (sr25519) and the account it controls.
#[derive(Clone)]
pub struct AccountKey {
    /// The secret URI the key came from (kept for display and for deriving; it is a
    /// secret: never logged).
    suri: String,
    pair: Keypair,
}

impl std::fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccountKey({})", self.account_id())
    }
}

impl AccountKey {
    /// The key of a secret URI. Errors: [`BadSuri`] with the parser's reason.
    pub fn from_suri(suri: &str) -> Result<Self, BadSuri> {
        let bad = |reason: String| BadSuri {
            suri: suri.to_string(),
            reason,
        };
        let uri = SecretUri::from_str(suri).map_err(|e| bad(format!("not a secret URI: {e}")))?;
        let pair = Keypair::from_uri(&uri).map_err(|e| bad(e.to_string()))?;
        Ok(AccountKey {
            suri: suri.to_string(),
            pair,
        })
    }

    /// A development key (`//Alice`, `//Bob`, … or any `//seed`): panics never, since
    /// `//<word>` always parses.
    pub fn dev(seed: &str) -> Self {
        Self::from_suri(&format!("//{seed}")).unwrap_or_else(|e| unreachable!("{e}"))
    }

    /// The account this key controls.
    pub fn account_id(&self) -> AccountId {
        AccountId(self.pair.public_key().0)
    }

    /// The secret URI (a secret).
    pub fn suri(&self) -> &str {
        &self.suri
    }

    /// The subxt key pair (for signing extrinsics).
    pub fn keypair(&self) -> &Keypair {
        &self.pair
    }
}
