//! Voucher format v2 (DESIGN.md §3 defines v1; v2 adds the chain, issue 18 L8).
//!
//! ```text
//! "gbrain/voucher/v2:" (18 bytes ASCII) ‖ chain genesis hash (32) ‖ escrow AccountId (32)
//!     ‖ channel id (u64 LE, 8) ‖ cumulative amount (u128 LE, 16)          = 106 bytes
//! ```
//! The amount is the **total** the client authorizes over the channel's whole life. The
//! genesis hash binds the voucher to one chain: pallet-contracts addresses are
//! `hash(deployer, code hash, input, salt)`, so the same deployer, code and salt give
//! the same escrow address on two chains, and without the chain a voucher signed on one
//! would pay the same channel id on the other. Escrow takes the genesis hash in its
//! constructor (a contract cannot read it: pallet-contracts has no host function for
//! it) and only accepts v2.
//!
//! Test vectors for other languages: `docs/voucher-v2-vectors.json`, explained in
//! `docs/voucher-v2-vectors.md`. Signing and off-chain verification: crate `gb-voucher`.
//! The superseded v1 format (no chain, 74 bytes) is [`v1`], kept for its published
//! vectors (`docs/voucher-v1-vectors.json`); escrow refuses v1 signatures.

use crate::types::{Balance, ChannelId, VoucherSignature};

/// A signed voucher: the client authorizes `amount` in total over `channel_id`.
///
/// The SCALE encoding is that of the tuple `(channel_id, amount, signature)`, which
/// escrow's `claim_batch` took before this type was named. JSON (feature `serde`):
/// `{"channel_id": 7, "amount": "1500000000000", "signature": {"sr25519": "0x…"}}`, the
/// amount as a decimal string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Voucher {
    /// The escrow channel the voucher pays from.
    pub channel_id: ChannelId,
    /// Cumulative amount in plancks: the total authorized over the channel's life.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_fmt::decimal"))]
    pub amount: Balance,
    /// The client's signature over [`voucher_message`]`(domain, channel_id, amount)`.
    pub signature: VoucherSignature,
}

impl Voucher {
    /// A voucher of `amount` in total over `channel_id`, with its signature.
    pub const fn new(channel_id: ChannelId, amount: Balance, signature: VoucherSignature) -> Self {
        Self {
            channel_id,
            amount,
            signature,
        }
    }
}

impl From<(ChannelId, Balance, VoucherSignature)> for Voucher {
    fn from((channel_id, amount, signature): (ChannelId, Balance, VoucherSignature)) -> Self {
        Self::new(channel_id, amount, signature)
    }
}

/// ASCII domain tag that starts every v2 voucher message.
pub const VOUCHER_DOMAIN: &[u8; 18] = b"gbrain/voucher/v2:";
/// Length of a v2 voucher message.
pub const VOUCHER_LEN: usize = 106;
/// Prefix browser wallets (`signRaw`) put before the signed bytes.
pub const BYTES_PREFIX: &[u8; 7] = b"<Bytes>";
/// Suffix browser wallets (`signRaw`) put after the signed bytes.
pub const BYTES_SUFFIX: &[u8; 8] = b"</Bytes>";
/// Length of a `<Bytes>`-wrapped v2 voucher message.
pub const WRAPPED_VOUCHER_LEN: usize = VOUCHER_LEN + 15;

// Offsets of the v2 message's fields.
const GENESIS_AT: usize = 18;
const ESCROW_AT: usize = 50;
const CHANNEL_AT: usize = 82;
const AMOUNT_AT: usize = 90;

/// Where a voucher is valid: one escrow contract on one chain. Both are raw 32-byte
/// values, named so that they cannot be swapped by accident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VoucherDomain {
    /// The chain's genesis block hash (escrow's `config().genesis_hash`).
    pub genesis_hash: [u8; 32],
    /// The escrow contract's address (its raw AccountId).
    pub escrow: [u8; 32],
}

impl VoucherDomain {
    /// The escrow at `escrow` on the chain whose genesis block hash is `genesis_hash`.
    pub const fn new(genesis_hash: [u8; 32], escrow: [u8; 32]) -> Self {
        Self {
            genesis_hash,
            escrow,
        }
    }
}

/// The 106 bytes a client signs to authorize `amount` in total over `channel_id` of the
/// escrow contract `domain.escrow` on the chain `domain.genesis_hash`.
pub fn voucher_message(
    domain: &VoucherDomain,
    channel_id: ChannelId,
    amount: Balance,
) -> [u8; VOUCHER_LEN] {
    let mut m = [0u8; VOUCHER_LEN];
    m[..GENESIS_AT].copy_from_slice(VOUCHER_DOMAIN);
    m[GENESIS_AT..ESCROW_AT].copy_from_slice(&domain.genesis_hash);
    m[ESCROW_AT..CHANNEL_AT].copy_from_slice(&domain.escrow);
    m[CHANNEL_AT..AMOUNT_AT].copy_from_slice(&channel_id.to_le_bytes());
    m[AMOUNT_AT..].copy_from_slice(&amount.to_le_bytes());
    m
}

/// A reusable v2 voucher message buffer for one escrow on one chain: the domain tag,
/// the genesis hash and the escrow address are written once, and each voucher only
/// rewrites its channel id and amount (24 bytes). Escrow checks a batch of vouchers
/// with one of these: building the 106 bytes afresh per voucher costs measurably more
/// in a contract's Wasm.
#[derive(Debug, Clone)]
pub struct VoucherMessage([u8; VOUCHER_LEN]);

impl VoucherMessage {
    /// A buffer for vouchers of `domain`.
    pub fn new(domain: &VoucherDomain) -> Self {
        Self(voucher_message(domain, 0, 0))
    }

    /// The message of the voucher for `amount` in total over `channel_id`.
    pub fn of(&mut self, channel_id: ChannelId, amount: Balance) -> &[u8; VOUCHER_LEN] {
        self.0[CHANNEL_AT..AMOUNT_AT].copy_from_slice(&channel_id.to_le_bytes());
        self.0[AMOUNT_AT..].copy_from_slice(&amount.to_le_bytes());
        &self.0
    }
}

/// `<Bytes>` ‖ message ‖ `</Bytes>`: what polkadot.js-compatible browser wallets sign
/// when asked to `signRaw` the voucher message.
pub fn wrapped_voucher_message(message: &[u8; VOUCHER_LEN]) -> [u8; WRAPPED_VOUCHER_LEN] {
    let mut w = [0u8; WRAPPED_VOUCHER_LEN];
    w[..7].copy_from_slice(BYTES_PREFIX);
    w[7..7 + VOUCHER_LEN].copy_from_slice(message);
    w[7 + VOUCHER_LEN..].copy_from_slice(BYTES_SUFFIX);
    w
}

/// Parses a v2 voucher message back into (domain, channel id, amount); `None` if the
/// length or the domain tag is wrong (a v1 message is refused).
pub fn parse_voucher_message(m: &[u8]) -> Option<(VoucherDomain, ChannelId, Balance)> {
    if m.len() != VOUCHER_LEN || &m[..GENESIS_AT] != VOUCHER_DOMAIN {
        return None;
    }
    let genesis_hash: [u8; 32] = m[GENESIS_AT..ESCROW_AT].try_into().ok()?;
    let escrow: [u8; 32] = m[ESCROW_AT..CHANNEL_AT].try_into().ok()?;
    let channel = u64::from_le_bytes(m[CHANNEL_AT..AMOUNT_AT].try_into().ok()?);
    let amount = u128::from_le_bytes(m[AMOUNT_AT..].try_into().ok()?);
    Some((VoucherDomain::new(genesis_hash, escrow), channel, amount))
}

/// The superseded voucher format v1 (DESIGN.md §3), without the chain:
///
/// ```text
/// "gbrain/voucher/v1:" (18 bytes ASCII) ‖ escrow AccountId (32) ‖ channel id (u64 LE, 8)
///                      ‖ cumulative amount (u128 LE, 16)          = 74 bytes
/// ```
/// Escrow no longer accepts it (issue 18 L8: a v1 voucher of one chain is valid on
/// another chain where the escrow has the same address). Kept for its published vectors,
/// `docs/voucher-v1-vectors.json`, and for tests that check that v1 is refused.
pub mod v1 {
    use super::{BYTES_PREFIX, BYTES_SUFFIX};
    use crate::types::{Balance, ChannelId};

    /// ASCII domain tag that starts every v1 voucher message.
    pub const VOUCHER_DOMAIN: &[u8; 18] = b"gbrain/voucher/v1:";
    /// Length of a v1 voucher message.
    pub const VOUCHER_LEN: usize = 74;
    /// Length of a `<Bytes>`-wrapped v1 voucher message.
    pub const WRAPPED_VOUCHER_LEN: usize = VOUCHER_LEN + 15;

    /// The 74 bytes of the v1 voucher for `amount` in total over `channel_id` of the
    /// escrow at `escrow` (its raw 32-byte AccountId), on any chain.
    pub fn voucher_message(
        escrow: &[u8; 32],
        channel_id: ChannelId,
        amount: Balance,
    ) -> [u8; VOUCHER_LEN] {
        let mut m = [0u8; VOUCHER_LEN];
        m[..18].copy_from_slice(VOUCHER_DOMAIN);
        m[18..50].copy_from_slice(escrow);
        m[50..58].copy_from_slice(&channel_id.to_le_bytes());
        m[58..74].copy_from_slice(&amount.to_le_bytes());
        m
    }

    /// `<Bytes>` ‖ v1 message ‖ `</Bytes>`.
    pub fn wrapped_voucher_message(message: &[u8; VOUCHER_LEN]) -> [u8; WRAPPED_VOUCHER_LEN] {
        let mut w = [0u8; WRAPPED_VOUCHER_LEN];
        w[..7].copy_from_slice(BYTES_PREFIX);
        w[7..7 + VOUCHER_LEN].copy_from_slice(message);
        w[7 + VOUCHER_LEN..].copy_from_slice(BYTES_SUFFIX);
        w
    }

    /// Parses a v1 voucher message back into (escrow, channel id, amount); `None` if
    /// the length or the domain tag is wrong.
    pub fn parse_voucher_message(m: &[u8]) -> Option<([u8; 32], ChannelId, Balance)> {
        if m.len() != VOUCHER_LEN || &m[..18] != VOUCHER_DOMAIN {
            return None;
        }
        let escrow: [u8; 32] = m[18..50].try_into().ok()?;
        let channel = u64::from_le_bytes(m[50..58].try_into().ok()?);
        let amount = u128::from_le_bytes(m[58..74].try_into().ok()?);
        Some((escrow, channel, amount))
    }
}
