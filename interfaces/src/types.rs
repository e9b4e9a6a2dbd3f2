//! Ids and records shared between the contracts.

pub use ink::primitives::AccountId;

/// Native token amount in plancks.
pub type Balance = u128;
/// Block timestamp in milliseconds since the Unix epoch.
pub type Timestamp = u64;
/// Registry-assigned service id; ids start at 1 and are never reused.
pub type ServiceId = u64;
/// Escrow-assigned payment channel id; ids start at 1 and are never reused.
pub type ChannelId = u64;
/// Scores and probabilities in parts per million (0 ..= 1_000_000).
pub type Ppm = u32;

/// One million: the fixed-point unit of every [`Ppm`] value.
pub const PPM: u32 = 1_000_000;

/// What escrow needs to know about a service to open a channel for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct ServiceTerms {
    /// Account that receives the payments for calls of this service.
    pub payee: AccountId,
    /// Price of one call in plancks.
    pub price: Balance,
    /// False when the service is delisted: no new channels may be opened for it.
    pub active: bool,
}

/// Public key a channel's vouchers must be signed with (DESIGN.md §3).
///
/// JSON (feature `serde`): `{"sr25519": "0x…"}` or `{"ecdsa": "0x…"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(
    feature = "std",
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum Signer {
    /// sr25519 public key (signing context `substrate`); the plain message and the
    /// `<Bytes>`-wrapped one (browser wallets' `signRaw`) are both accepted.
    Sr25519(#[cfg_attr(feature = "serde", serde(with = "crate::serde_fmt::hex_bytes"))] [u8; 32]),
    /// secp256k1 33-byte compressed public key; the signature is a 65-byte recoverable
    /// signature over `blake2_256(message)`.
    Ecdsa(#[cfg_attr(feature = "serde", serde(with = "crate::serde_fmt::hex_bytes"))] [u8; 33]),
}

impl Signer {
    /// True if the key is one no channel may use (issue 18, L2), by the rule escrow
    /// applies when a channel opens and `gb-voucher` applies off chain:
    ///
    /// * sr25519: all zero bytes, the encoding of the Ristretto identity point. For
    ///   that "key" anyone can forge a valid signature of every message (R = s·B),
    ///   so a channel opened with it could be drained by its payee. Ristretto is a
    ///   prime-order group: the identity is its only small-order point, and its only
    ///   encoding is all zero (decoding refuses non-canonical bytes). Any other 32
    ///   bytes decode to a point of prime order or to nothing, and a key that decodes
    ///   to nothing verifies no signature at all.
    /// * ecdsa: a first byte other than 2 or 3 (not a compressed key). Whether the
    ///   x coordinate is on the curve needs curve arithmetic: escrow asks the chain
    ///   (`ecdsa_to_eth_address`), `gb-voucher` asks k256, the library the chain uses.
    pub fn has_degenerate_key(&self) -> bool {
        match self {
            Signer::Sr25519(key) => key.iter().all(|b| *b == 0),
            Signer::Ecdsa(key) => key[0] != 2 && key[0] != 3,
        }
    }
}

/// A voucher signature, matching the channel's [`Signer`] scheme.
///
/// JSON (feature `serde`): `{"sr25519": "0x…"}` or `{"ecdsa": "0x…"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum VoucherSignature {
    /// 64-byte sr25519 signature.
    Sr25519(#[cfg_attr(feature = "serde", serde(with = "crate::serde_fmt::hex_bytes"))] [u8; 64]),
    /// 65-byte recoverable secp256k1 signature (r, s, v).
    Ecdsa(#[cfg_attr(feature = "serde", serde(with = "crate::serde_fmt::hex_bytes"))] [u8; 65]),
}

/// Lifecycle of a payment channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(
    feature = "std",
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub enum ChannelState {
    /// Funds are locked; the payee may claim.
    Open,
    /// Closed by the payee (claimed and refunded the rest) or refunded by the client
    /// after expiry. Nothing is locked any more.
    Closed,
}

/// The facts about a channel that reputation needs to authorize and weigh a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct ChannelFacts {
    /// The client the channel belongs to (refunds and extensions are its).
    pub client: AccountId,
    /// The account whose balance funded the channel when it opened: the client itself,
    /// or the third party of `open_channel_for`. The only account allowed to rate the
    /// channel, and whose spend it is (issue 18, L9): rating rights are paid for.
    pub payer: AccountId,
    /// The payee the channel pays.
    pub payee: AccountId,
    /// The service the channel was opened for.
    pub service_id: ServiceId,
    /// Total paid out to the payee so far.
    pub claimed: Balance,
    /// Timestamp of the last successful claim (0 if none): the rating window starts here.
    pub last_claim_at: Timestamp,
    /// Whether the channel is still open.
    pub state: ChannelState,
}

/// Paid fulfillment that escrow reports to reputation: one entry per channel paid by
/// one call (one claim, one batch claim or one close). A channel that appears several
/// times in a batch is reported once, with the sum of its increases, so reputation can
/// bound a channel's success credit over its whole life from `claimed_before` and
/// `paid` alone (security review M1), without storing anything per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct Settlement {
    /// The service that was paid.
    pub service_id: ServiceId,
    /// The channel that paid.
    pub channel_id: ChannelId,
    /// What the channel had claimed before this call.
    pub claimed_before: Balance,
    /// Newly claimed amount (gross, before any protocol fee) in this call.
    pub paid: Balance,
}

/// Why a cross-contract report was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub enum OracleError {
    /// The caller is not the escrow contract wired into reputation.
    NotEscrow,
    /// More settlements in one report than the oracle accepts.
    TooManySettlements,
    /// An accumulator would overflow.
    Overflow,
}
