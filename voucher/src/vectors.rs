//! The published voucher v1 test vectors, `docs/voucher-v1-vectors.json` (explained
//! for other languages in `docs/voucher-v1-vectors.md`), embedded and typed, so that
//! the tests of every implementation (this crate, `gb-interfaces`, an SDK, the
//! gateway) check the same bytes.

use gb_interfaces::serde_fmt::{decimal, hex_bytes};
use gb_interfaces::{Balance, ChannelId, VOUCHER_LEN, WRAPPED_VOUCHER_LEN};
use serde::{Deserialize, Serialize};

/// The text of `docs/voucher-v1-vectors.json`.
pub const JSON: &str = include_str!("../../docs/voucher-v1-vectors.json");

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vectors {
    /// What the file is, in a sentence.
    pub about: String,
    /// The keys that signed.
    pub keys: Keys,
    /// One entry per (escrow, channel id, amount).
    pub vectors: Vec<Vector>,
}

/// The fixed dev keys of the vectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    /// The sr25519 key.
    pub sr25519: Sr25519Key,
    /// The ecdsa key.
    pub ecdsa: EcdsaKey,
}

/// An sr25519 key by its secret URI (sp-core / polkadot.js keyring derivation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sr25519Key {
    /// Secret URI, e.g. `//Alice` (on the well-known dev phrase).
    pub suri: String,
    /// Its public key.
    #[serde(with = "hex_bytes")]
    pub public: [u8; 32],
}

/// An ecdsa key by its secret URI, with the secp256k1 secret it derives to (for
/// libraries without substrate's key derivation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcdsaKey {
    /// Secret URI, e.g. `//Alice`.
    pub suri: String,
    /// The 32-byte secp256k1 secret key `suri` derives to.
    #[serde(with = "hex_bytes")]
    pub secret: [u8; 32],
    /// Its compressed public key.
    #[serde(with = "hex_bytes")]
    pub public: [u8; 33],
}

/// Inputs and expected bytes of one voucher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// Escrow contract address (raw AccountId).
    #[serde(with = "hex_bytes")]
    pub escrow: [u8; 32],
    /// Channel id (a decimal string).
    #[serde(with = "decimal")]
    pub channel_id: ChannelId,
    /// Cumulative amount in plancks (a decimal string).
    #[serde(with = "decimal")]
    pub amount: Balance,
    /// The 74-byte message.
    #[serde(with = "hex_bytes")]
    pub message: [u8; VOUCHER_LEN],
    /// `<Bytes>` ‖ message ‖ `</Bytes>`.
    #[serde(with = "hex_bytes")]
    pub wrapped_message: [u8; WRAPPED_VOUCHER_LEN],
    /// The ecdsa key's signature of the message: deterministic, so exact.
    #[serde(with = "hex_bytes")]
    pub ecdsa_signature: [u8; 65],
    /// One valid sr25519 signature of the message (sr25519 is randomized: a signer
    /// makes other bytes, which must verify too).
    #[serde(with = "hex_bytes")]
    pub sr25519_signature: [u8; 64],
    /// One valid sr25519 signature of the wrapped message.
    #[serde(with = "hex_bytes")]
    pub sr25519_wrapped_signature: [u8; 64],
}

/// The vectors, parsed. Panics if the embedded file does not parse (a test checks it).
pub fn v1() -> Vectors {
    serde_json::from_str(JSON).expect("docs/voucher-v1-vectors.json parses")
}
