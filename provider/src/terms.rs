//! The service's payment terms (from the registry, the deployment and the
//! configuration) and the protocol documents built from them: the challenge, the
//! service information, channel statuses.

use crate::channel::ChannelView;
use gb_protocol::{
    network, Account, BatchSettlementExtra, ChannelStatus, IdempotencyTerms, PaymentRequired,
    PaymentRequirements, Resource, ServiceInfo, SignerScheme, ASSET_NATIVE, SCHEME,
    VOUCHER_VERSION, X402_VERSION,
};

/// What a voucher must satisfy, and what the challenge says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// The escrow contract's account (the voucher domain).
    pub escrow: [u8; 32],
    /// The chain's genesis hash.
    pub genesis: [u8; 32],
    /// `polkadot:<32 hex>` of the genesis hash.
    pub network: String,
    pub service_id: u64,
    /// The service's payee (channels must pay it).
    pub payee: [u8; 32],
    /// Price of one call (plancks), from the registry.
    pub price: u128,
    /// Channels with less funds are refused (at least the price).
    pub min_deposit: u128,
    /// Vouchers are refused on channels expiring within this margin (ms).
    pub min_expiry_margin_ms: u64,
    /// What the upstream timeout is (challenge's `maxTimeoutSeconds`).
    pub max_timeout_seconds: u64,
    /// For people, in challenges.
    pub description: Option<String>,
    pub free_paths: Vec<String>,
    pub idempotency: IdempotencyTerms,
    /// The voucher schemes the escrow accepts (ecdsa only on the escrow-ecdsa build).
    pub signer_schemes: Vec<SignerScheme>,
}

impl Terms {
    /// What the vouchers of this service sign besides channel and amount (voucher v2):
    /// the chain's genesis hash and the escrow's address.
    pub fn voucher_domain(&self) -> gb_interfaces::VoucherDomain {
        gb_interfaces::VoucherDomain::new(self.genesis, self.escrow)
    }

    /// The effective minimum deposit for a configured one: at least one call's price.
    pub fn min_deposit_for(configured: u128, price: u128) -> u128 {
        configured.max(price)
    }

    /// The requirement of the challenge and of `/.well-known/gbrain`, with `channel`.
    pub fn requirements(&self, channel: Option<ChannelStatus>) -> PaymentRequirements {
        PaymentRequirements {
            scheme: SCHEME.into(),
            network: self.network.clone(),
            amount: self.price,
            asset: ASSET_NATIVE.into(),
            pay_to: Account(self.payee),
            max_timeout_seconds: self.max_timeout_seconds,
            extra: BatchSettlementExtra {
                escrow: Account(self.escrow),
                service_id: self.service_id,
                payee: Account(self.payee),
                price: self.price,
                voucher_version: VOUCHER_VERSION,
                signer_schemes: self.signer_schemes.clone(),
                min_expiry_margin_ms: self.min_expiry_margin_ms,
                min_deposit: self.min_deposit,
                genesis_hash: network::genesis_hex(&self.genesis),
                channel,
            },
        }
    }

    /// The `402` challenge for a request of `url`.
    pub fn challenge(
        &self,
        url: &str,
        error: Option<String>,
        channel: Option<ChannelStatus>,
    ) -> PaymentRequired {
        PaymentRequired {
            x402_version: X402_VERSION,
            error,
            resource: Resource {
                url: url.to_string(),
                description: self.description.clone(),
                mime_type: None,
            },
            accepts: vec![self.requirements(channel)],
        }
    }

    /// `GET /.well-known/gbrain`.
    pub fn service_info(&self) -> ServiceInfo {
        ServiceInfo {
            x402_version: X402_VERSION,
            accepts: vec![self.requirements(None)],
            free_paths: self.free_paths.clone(),
            idempotency: self.idempotency.clone(),
            gateway: concat!("gb-gateway/", env!("CARGO_PKG_VERSION")).into(),
        }
    }

    /// A channel's status for challenges and problems.
    pub fn status(&self, id: u64, v: &ChannelView) -> ChannelStatus {
        ChannelStatus {
            channel_id: id,
            accepted_cumulative: v.durable_accepted,
            spent: v.spent,
            required_cumulative: v.spent.saturating_add(self.price),
            funds: v.chain.funds,
            claimed_on_chain: v.chain.claimed,
            expiry: v.chain.expiry,
            open: v.chain.open,
        }
    }

    /// True if `path` is served without payment.
    pub fn is_free(&self, path: &str) -> bool {
        self.free_paths.iter().any(|p| path.starts_with(p.as_str()))
    }
}
