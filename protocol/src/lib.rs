//! # gb-protocol: the wire format of Global Brain's paid HTTP calls
//!
//! A binding of x402 v2's abstract `batch-settlement` scheme to Global Brain's escrow
//! payment channels. The provider gateway (`gb-gateway`) and the client SDK both use
//! these types, so the two sides cannot drift; `docs/payment-protocol.md` is the
//! specification another language implements from (its JSON examples are parsed by
//! this crate's tests).
//!
//! * [`headers`]: the header names, base64(JSON) header values, size limits, the
//!   `Idempotency-Key` and `PAYMENT-CHANNEL` rules.
//! * [`PaymentRequired`] (the `402` challenge, header `PAYMENT-REQUIRED`, also served
//!   unpaid at `GET /.well-known/gbrain` as [`ServiceInfo`]) with its
//!   [`PaymentRequirements`] and the named channel's [`ChannelStatus`].
//! * [`PaymentPayload`] (header `PAYMENT-SIGNATURE`): a signed cumulative voucher.
//! * [`PaymentResponse`] (header `PAYMENT-RESPONSE`): the receipt of a paid call.
//! * [`Problem`] / [`ProblemKind`]: RFC 9457 `application/problem+json` errors, one
//!   stable `type` URI per cause.
//!
//! Conventions on the wire: accounts are `0x` + 64 lowercase hex digits ([`Account`]);
//! amounts (plancks, `u128`) are decimal strings; ids (`channelId`, `serviceId`) and
//! times (milliseconds since the Unix epoch) are JSON numbers; field names are
//! camelCase.

pub mod account;
pub mod challenge;
pub mod headers;
pub mod network;
pub mod payload;
pub mod problem;
pub mod receipt;

pub use account::Account;
pub use challenge::{
    BatchSettlementExtra, ChannelStatus, IdempotencyTerms, PaymentRequired, PaymentRequirements,
    Resource, ServiceInfo, SignerScheme,
};
pub use headers::HeaderError;
pub use network::network_id;
pub use payload::{ChannelVoucher, PaymentPayload};
pub use problem::{IdempotencyState, Problem, ProblemKind};
pub use receipt::{PaymentResponse, Receipt};

/// The x402 protocol version these messages follow.
pub const X402_VERSION: u32 = 2;
/// The x402 scheme name of escrow-channel payments.
pub const SCHEME: &str = "batch-settlement";
/// The asset paid: the chain's native token, in plancks.
pub const ASSET_NATIVE: &str = "native";
/// The voucher format the signatures are over (`gb_interfaces::voucher`): 2, DESIGN.md
/// §3's v1 with the chain's genesis hash (`extra.genesisHash`) in the signed bytes
/// (issue 18 L8). Escrow accepts v2 only.
pub const VOUCHER_VERSION: u32 = 2;
/// The media type of problem responses (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";
/// The path of the unpaid service-information document.
pub const WELL_KNOWN_PATH: &str = "/.well-known/gbrain";

pub use gb_interfaces::{Balance, ChannelId, ServiceId, Signer, Voucher, VoucherSignature};
