//! The voucher a paid request carries (`PAYMENT-SIGNATURE`).

use crate::challenge::PaymentRequirements;
use gb_interfaces::serde_fmt::decimal;
use gb_interfaces::{Balance, ChannelId, Voucher, VoucherSignature};
use serde::{Deserialize, Serialize};

/// Header `PAYMENT-SIGNATURE` (base64 JSON): a signed cumulative voucher.
///
/// The gateway trusts only `payload.channelId`, `payload.amount` and
/// `payload.signature`: it rebuilds the 106-byte voucher v2 message itself (its own
/// chain's genesis hash and escrow address, the channel's signer key from the chain). `scheme` and `network` must be
/// the gateway's; `accepted`, when present (x402 v2 clients echo the requirement they
/// chose), must name the gateway's escrow, payee and network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPayload {
    /// [`crate::X402_VERSION`] (2).
    pub x402_version: u32,
    /// [`crate::SCHEME`].
    pub scheme: String,
    /// The chain the voucher is for, [`crate::network_id`].
    pub network: String,
    /// The voucher.
    pub payload: ChannelVoucher,
    /// The requirement the client chose (optional echo, x402 v2 style).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<PaymentRequirements>,
}

/// A voucher on the wire: the client authorizes `amount` in **total** over the
/// channel's life (not per call).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelVoucher {
    pub channel_id: ChannelId,
    /// Cumulative amount in plancks, a decimal string.
    #[serde(with = "decimal")]
    pub amount: Balance,
    /// `{"sr25519": "0x<128 hex>"}` or `{"ecdsa": "0x<130 hex>"}`.
    pub signature: VoucherSignature,
}

impl ChannelVoucher {
    /// The voucher escrow's `claim_batch` takes.
    pub fn voucher(&self) -> Voucher {
        Voucher::new(self.channel_id, self.amount, self.signature)
    }
}

impl From<Voucher> for ChannelVoucher {
    fn from(v: Voucher) -> Self {
        ChannelVoucher {
            channel_id: v.channel_id,
            amount: v.amount,
            signature: v.signature,
        }
    }
}

impl PaymentPayload {
    /// The payload of `voucher` for the chain `network` (x402 v2, `batch-settlement`,
    /// no `accepted` echo).
    pub fn new(network: impl Into<String>, voucher: Voucher) -> Self {
        PaymentPayload {
            x402_version: crate::X402_VERSION,
            scheme: crate::SCHEME.to_string(),
            network: network.into(),
            payload: voucher.into(),
            accepted: None,
        }
    }
}
