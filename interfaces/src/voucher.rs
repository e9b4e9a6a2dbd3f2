//! Voucher format v1 (DESIGN.md §3, normative and byte-exact).
//!
//! ```text
//! "gbrain/voucher/v1:" (18 bytes ASCII) ‖ escrow AccountId (32) ‖ channel id (u64 LE, 8)
//!                      ‖ cumulative amount (u128 LE, 16)          = 74 bytes
//! ```
//! The amount is the **total** the client authorizes over the channel's whole life.
//! Test vectors for other languages: `docs/voucher-v1-vectors.json`, explained in
//! `docs/voucher-v1-vectors.md`. Signing and off-chain verification: crate `gb-voucher`.

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
    /// The client's signature over [`voucher_message`]`(escrow, channel_id, amount)`.
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

/// ASCII domain tag that starts every v1 voucher message.
pub const VOUCHER_DOMAIN: &[u8; 18] = b"gbrain/voucher/v1:";
/// Length of a v1 voucher message.
pub const VOUCHER_LEN: usize = 74;
/// Prefix browser wallets (`signRaw`) put before the signed bytes.
pub const BYTES_PREFIX: &[u8; 7] = b"<Bytes>";
/// Suffix browser wallets (`signRaw`) put after the signed bytes.
pub const BYTES_SUFFIX: &[u8; 8] = b"</Bytes>";
/// Length of a `<Bytes>`-wrapped v1 voucher message.
pub const WRAPPED_VOUCHER_LEN: usize = VOUCHER_LEN + 15;

/// The 74 bytes a client signs to authorize `amount` in total over `channel_id` of the
/// escrow contract at `escrow` (its raw 32-byte AccountId).
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

/// A reusable v1 voucher message buffer for one escrow: the domain tag and the escrow
/// address are written once, and each voucher only rewrites its channel id and amount
/// (24 bytes). Escrow checks a batch of vouchers with one of these: building the 74
/// bytes afresh per voucher costs measurably more in a contract's Wasm.
#[derive(Debug, Clone)]
pub struct VoucherMessage([u8; VOUCHER_LEN]);

impl VoucherMessage {
    /// A buffer for vouchers of the escrow at `escrow`.
    pub fn new(escrow: &[u8; 32]) -> Self {
        Self(voucher_message(escrow, 0, 0))
    }

    /// The message of the voucher for `amount` in total over `channel_id`.
    pub fn of(&mut self, channel_id: ChannelId, amount: Balance) -> &[u8; VOUCHER_LEN] {
        self.0[50..58].copy_from_slice(&channel_id.to_le_bytes());
        self.0[58..74].copy_from_slice(&amount.to_le_bytes());
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

/// Parses a v1 voucher message back into (escrow, channel id, amount); `None` if the
/// length or the domain tag is wrong.
pub fn parse_voucher_message(m: &[u8]) -> Option<([u8; 32], ChannelId, Balance)> {
    if m.len() != VOUCHER_LEN || &m[..18] != VOUCHER_DOMAIN {
        return None;
    }
    let escrow: [u8; 32] = m[18..50].try_into().ok()?;
    let channel = u64::from_le_bytes(m[50..58].try_into().ok()?);
    let amount = u128::from_le_bytes(m[58..74].try_into().ok()?);
    Some((escrow, channel, amount))
}
