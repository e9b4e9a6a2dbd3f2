//! The `402` challenge (`PAYMENT-REQUIRED`) and the service terms it carries.

use crate::account::Account;
use gb_interfaces::serde_fmt::decimal;
use gb_interfaces::{Balance, ChannelId, ServiceId, Signer};
use serde::{Deserialize, Serialize};

/// The `402 Payment Required` challenge: header `PAYMENT-REQUIRED` (base64 JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequired {
    /// Always [`crate::X402_VERSION`] (2).
    pub x402_version: u32,
    /// Why the request was not served, for people (the problem body has the machine
    /// readable cause).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What was asked for.
    pub resource: Resource,
    /// The ways to pay: one entry, scheme `batch-settlement`.
    pub accepts: Vec<PaymentRequirements>,
}

/// The resource a challenge is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// The request's path and query (as the gateway saw it).
    pub url: String,
    /// What the service is, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

/// One way to pay (x402 v2 `PaymentRequirements`), for scheme `batch-settlement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequirements {
    /// [`crate::SCHEME`].
    pub scheme: String,
    /// The chain, [`crate::network_id`] of its genesis hash (`polkadot:<32 hex>`).
    pub network: String,
    /// Price of one call, in plancks.
    #[serde(with = "decimal")]
    pub amount: Balance,
    /// [`crate::ASSET_NATIVE`].
    pub asset: String,
    /// Who is paid: the service's payee (the channel's `payee`).
    pub pay_to: Account,
    /// The longest the gateway waits for the service's response.
    pub max_timeout_seconds: u64,
    /// The escrow-channel terms.
    pub extra: BatchSettlementExtra,
}

/// The `extra` of a `batch-settlement` requirement: how to open a channel this gateway
/// accepts and how to sign vouchers for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchSettlementExtra {
    /// The escrow contract the channel must be in; the voucher message binds it.
    pub escrow: Account,
    /// The registry service id the channel must be opened for.
    pub service_id: ServiceId,
    /// The payee the channel must pay (same as `payTo`).
    pub payee: Account,
    /// Price of one call in plancks (same as `amount`).
    #[serde(with = "decimal")]
    pub price: Balance,
    /// The voucher format, [`crate::VOUCHER_VERSION`] (2: the signed bytes include
    /// `genesisHash`).
    pub voucher_version: u32,
    /// The signer schemes a channel may have.
    pub signer_schemes: Vec<SignerScheme>,
    /// A voucher is refused on a channel expiring sooner than this (ms) from now: the
    /// provider must have time to claim.
    pub min_expiry_margin_ms: u64,
    /// The smallest channel funds the gateway accepts, in plancks.
    #[serde(with = "decimal")]
    pub min_deposit: Balance,
    /// The full genesis hash of the chain, `0x` + 64 hex digits: vouchers (v2) sign it
    /// (escrow's `config().genesis_hash`).
    pub genesis_hash: String,
    /// The channel the request named (header `PAYMENT-SIGNATURE` or
    /// `PAYMENT-CHANNEL`), as the gateway sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelStatus>,
}

/// A signer scheme of escrow channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignerScheme {
    /// sr25519 (signing context `substrate`), over the 106-byte v2 message or its
    /// `<Bytes>`-wrapped form.
    Sr25519,
    /// secp256k1, a 65-byte recoverable signature over `blake2_256(message)`.
    Ecdsa,
}

impl SignerScheme {
    /// The scheme of a channel's signer.
    pub fn of(signer: &Signer) -> Self {
        match signer {
            Signer::Sr25519(_) => SignerScheme::Sr25519,
            Signer::Ecdsa(_) => SignerScheme::Ecdsa,
        }
    }
}

/// A channel as the gateway sees it: its ledger and the chain's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelStatus {
    pub channel_id: ChannelId,
    /// The highest voucher amount the gateway holds for the channel.
    #[serde(with = "decimal")]
    pub accepted_cumulative: Balance,
    /// What the calls served (or being served) cost in total.
    #[serde(with = "decimal")]
    pub spent: Balance,
    /// What the next call's voucher must reach: `spent (+ calls in flight) + price`.
    /// A voucher of at least this, and at most `funds`, is accepted.
    #[serde(with = "decimal")]
    pub required_cumulative: Balance,
    /// Total locked in the channel.
    #[serde(with = "decimal")]
    pub funds: Balance,
    /// Paid out to the payee so far (on chain).
    #[serde(with = "decimal")]
    pub claimed_on_chain: Balance,
    /// When the client may take the rest back (ms since the Unix epoch, chain time).
    pub expiry: u64,
    /// False once closed or refunded.
    pub open: bool,
}

/// `GET /.well-known/gbrain`: the service's payment terms, unpaid and without a `402`
/// (the same `accepts` entry as a challenge, without a channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceInfo {
    /// [`crate::X402_VERSION`].
    pub x402_version: u32,
    pub accepts: Vec<PaymentRequirements>,
    /// Path prefixes served without payment.
    #[serde(default)]
    pub free_paths: Vec<String>,
    /// How `Idempotency-Key` retries are kept.
    pub idempotency: IdempotencyTerms,
    /// The gateway's name and version, e.g. `gb-gateway/0.1.0`.
    pub gateway: String,
}

/// How long and how much of a response the gateway keeps for `Idempotency-Key`
/// retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyTerms {
    /// A key is remembered this long after its call (seconds).
    pub ttl_seconds: u64,
    /// Responses up to this size (bytes of body) are kept and replayed to a retry.
    pub max_stored_response_bytes: u64,
}

impl PaymentRequired {
    /// The first `batch-settlement` requirement, if any.
    pub fn batch_settlement(&self) -> Option<&PaymentRequirements> {
        self.accepts.iter().find(|r| r.scheme == crate::SCHEME)
    }
}
