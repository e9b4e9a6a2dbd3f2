//! The marketplace on a [`Backend`] (the in-process chain by default, or a node):
//! accounts with sp-core keys, the deployed and wired contracts, and typed wrappers over
//! their messages. Used by the demo and by the drink test suite.

use crate::{backend::Backend, suite::ink_account, Bundles, Chain, Options, Reverted, Suite};
use drink::AccountId32;
use escrow::types::{Accounting, Channel, ClaimOutcome};
use gb_interfaces::{
    voucher_message, wrapped_voucher_message, Balance, ChannelId, ServiceId, Signer, Timestamp,
    VoucherSignature,
};
use registry::types::{RankedPage, ServiceSpec};
use reputation::Score;
use sp_core::{crypto::Pair as _, ecdsa, sr25519};

pub type EscrowError = escrow::errors::Error;
pub type RegistryError = registry::Error;
pub type ReputationError = reputation::Error;

/// Reference call price (the reputation default unit).
pub const UNIT: Balance = 10_000_000_000;
/// Every test account starts with this much.
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;
/// On a node every actor is topped up to this from the deployer (the dev accounts
/// already hold more).
pub const NODE_FUNDS: Balance = 10_000 * UNIT;
pub const HOUR: Timestamp = 3_600_000;
pub const DAY: Timestamp = 24 * HOUR;

/// A test account: its sr25519 and ecdsa keys and its chain account (the sr25519 key).
#[derive(Clone)]
pub struct Who {
    /// Secret URI of both keys (`//<seed>`).
    pub suri: String,
    pub sr: sr25519::Pair,
    pub ec: ecdsa::Pair,
    pub account: AccountId32,
}

impl Who {
    pub fn new(seed: &str) -> Self {
        let suri = format!("//{seed}");
        let sr = sr25519::Pair::from_string(&suri, None).expect("seed");
        let ec = ecdsa::Pair::from_string(&suri, None).expect("seed");
        let account = AccountId32::from(sr.public().0);
        Who {
            suri,
            sr,
            ec,
            account,
        }
    }
    pub fn id(&self) -> gb_interfaces::AccountId {
        ink_account(&self.account)
    }
    pub fn sr_signer(&self) -> Signer {
        Signer::Sr25519(self.sr.public().0)
    }
    pub fn ec_signer(&self) -> Signer {
        Signer::Ecdsa(self.ec.public().0)
    }
}

/// The deployed marketplace and its actors.
pub struct Market<B: Backend = Chain> {
    pub chain: B,
    pub b: Bundles,
    pub suite: Suite,
    pub deployer: AccountId32,
    pub provider: Who,
    pub member: Who,
    pub treasury: Who,
    pub clients: Vec<Who>,
    pub fee_bps: u16,
    /// Services registered before this market was set up (0 on a fresh deployment).
    pub run: u64,
}

impl Market<Chain> {
    /// Deploys and wires the suite with `fee_bps` on a fresh in-process chain; endows
    /// provider, member, treasury and `n_clients` clients with [`ENDOWMENT`].
    pub fn new(b: &Bundles, fee_bps: u16, n_clients: usize) -> Result<Self, crate::DeployError> {
        let deployer = AccountId32::new([1u8; 32]);
        Market::on(
            Chain::new(),
            deployer,
            b,
            fee_bps,
            n_clients,
            None,
            ENDOWMENT,
        )
    }
}

/// The actors: provider, org member, treasury, then the clients. `run` > 0 (a suite
/// that already served a demo) derives fresh provider, member and clients
/// (`//Bob//run<n>`…), so that one-per-epoch rules see new parties.
fn actors(n_clients: usize, run: u64) -> (Who, Who, Who, Vec<Who>) {
    let names = [
        "Dave", "Eve", "Alice", "Grace", "Heidi", "Ivan", "Judy", "Mallory",
    ];
    let who = |seed: &str| match run {
        0 => Who::new(seed),
        n => Who::new(&format!("{seed}//run{n}")),
    };
    let clients = (0..n_clients)
        .map(|i| who(&names.get(i).map_or(format!("client{i}"), |s| s.to_string())))
        .collect();
    (who("Bob"), who("Charlie"), Who::new("Ferdie"), clients)
}

impl<B: Backend> Market<B> {
    /// Deploys and wires the suite on `chain` as `deployer` (or, with `existing`,
    /// verifies and reuses that deployment, see [`crate::suite::reuse`]); makes sure
    /// provider, member, treasury and `n_clients` clients hold `funds`.
    pub fn on(
        mut chain: B,
        deployer: AccountId32,
        b: &Bundles,
        fee_bps: u16,
        n_clients: usize,
        existing: Option<Suite>,
        funds: Balance,
    ) -> Result<Self, crate::DeployError> {
        let treasury = Who::new("Ferdie");
        let suite = match existing {
            Some(suite) => crate::suite::reuse(&mut chain, b, &deployer, suite)?,
            None => {
                let opts = Options {
                    fee_bps,
                    treasury: treasury.account.clone(),
                    salt: chain.now().to_le_bytes().to_vec(),
                };
                crate::suite::deploy(&mut chain, b, &deployer, &opts)?
            }
        };
        let next: ServiceId = chain.query(&b.registry, &suite.registry, "next_service_id", ());
        let run = next.saturating_sub(1);
        let (provider, member, treasury, clients) = actors(n_clients, run);
        for w in [&provider, &member, &treasury]
            .into_iter()
            .chain(clients.iter())
        {
            let fail = |source| crate::DeployError::Chain {
                step: format!("funding {}", w.suri),
                source,
            };
            chain.add_key(&w.suri).map_err(fail)?;
            chain.fund(&w.account, funds).map_err(fail)?;
        }
        // A reused deployment keeps the fee it was deployed with.
        let config: escrow::types::Config = chain.query(&b.escrow, &suite.escrow, "config", ());
        Ok(Market {
            chain,
            b: b.clone(),
            suite,
            deployer,
            provider,
            member,
            treasury,
            clients,
            fee_bps: config.fee_bps,
            run,
        })
    }

    // ---- registry -------------------------------------------------------------------

    pub fn registry<R: scale::Decode>(
        &mut self,
        who: &AccountId32,
        msg: &str,
        args: impl scale::Encode,
    ) -> R {
        let at = self.suite.registry.clone();
        self.chain
            .call(&self.b.registry, &at, msg, args, who, 0)
            .unwrap_or_else(|e| panic!("registry::{msg}: {e}"))
    }

    /// Creates org `org` owned by the provider with `member` as member, and registers one
    /// service per (name, price, tags); returns the service ids.
    pub fn register(&mut self, org: &str, services: &[(&str, Balance, &[&str])]) -> Vec<ServiceId> {
        let p = self.provider.account.clone();
        let r: Result<(), RegistryError> = self.registry(&p, "create_org", org.to_string());
        r.expect("create_org");
        let m = self.member.id();
        let r: Result<(), RegistryError> = self.registry(&p, "add_member", (org.to_string(), m));
        r.expect("add_member");
        services
            .iter()
            .map(|(name, price, tags)| {
                let spec = self.spec(name, *price, tags);
                let r: Result<ServiceId, RegistryError> =
                    self.registry(&p, "register_service", (org.to_string(), spec));
                r.expect("register_service")
            })
            .collect()
    }

    pub fn spec(&self, name: &str, price: Balance, tags: &[&str]) -> ServiceSpec {
        ServiceSpec {
            name: name.to_string(),
            price,
            payee: self.provider.id(),
            endpoint: format!("https://{name}.example/v1"),
            metadata_uri: format!("ipfs://{name}"),
            metadata_hash: [7; 32],
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    pub fn ranked(&mut self, tag: &str) -> RankedPage {
        let at = self.suite.registry.clone();
        self.chain.query(
            &self.b.registry,
            &at,
            "ranked_by_tag",
            (tag.to_string(), 0u32, 32u32),
        )
    }

    // ---- escrow ---------------------------------------------------------------------

    pub fn escrow_call<R: scale::Decode>(
        &mut self,
        who: &AccountId32,
        msg: &str,
        args: impl scale::Encode,
        value: Balance,
    ) -> Result<R, Reverted> {
        let at = self.suite.escrow.clone();
        self.chain.call(&self.b.escrow, &at, msg, args, who, value)
    }

    pub fn escrow<R: scale::Decode>(
        &mut self,
        who: &AccountId32,
        msg: &str,
        args: impl scale::Encode,
        value: Balance,
    ) -> R {
        self.escrow_call(who, msg, args, value)
            .unwrap_or_else(|e| panic!("escrow::{msg}: {e}"))
    }

    /// `deposit_and_open` by `client` with its sr25519 key.
    pub fn open(
        &mut self,
        client: &Who,
        service: ServiceId,
        funds: Balance,
        expiry: Timestamp,
    ) -> Result<ChannelId, EscrowError> {
        let signer = client.sr_signer();
        let c = client.account.clone();
        self.escrow(&c, "deposit_and_open", (service, signer, expiry), funds)
    }

    pub fn channel(&mut self, id: ChannelId) -> Option<Channel> {
        let at = self.suite.escrow.clone();
        self.chain.query(&self.b.escrow, &at, "channel", id)
    }

    pub fn accounting(&mut self) -> Accounting {
        let at = self.suite.escrow.clone();
        self.chain.query(&self.b.escrow, &at, "accounting", ())
    }

    pub fn balance_of(&mut self, who: &AccountId32) -> Balance {
        let at = self.suite.escrow.clone();
        self.chain
            .query(&self.b.escrow, &at, "balance_of", ink_account(who))
    }

    pub fn fees_held(&mut self) -> Balance {
        let at = self.suite.escrow.clone();
        self.chain.query(&self.b.escrow, &at, "fees_held", ())
    }

    /// The escrow contract's real native balance.
    pub fn escrow_native(&mut self) -> Balance {
        let at = self.suite.escrow.clone();
        self.chain.free_balance(&at)
    }

    pub fn voucher(&self, client: &Who, channel: ChannelId, amount: Balance) -> VoucherSignature {
        let m = voucher_message(self.suite.escrow.as_ref(), channel, amount);
        VoucherSignature::Sr25519(client.sr.sign(&m).0)
    }

    pub fn wrapped_voucher(
        &self,
        client: &Who,
        channel: ChannelId,
        amount: Balance,
    ) -> VoucherSignature {
        let m = voucher_message(self.suite.escrow.as_ref(), channel, amount);
        VoucherSignature::Sr25519(client.sr.sign(&wrapped_voucher_message(&m)).0)
    }

    pub fn ecdsa_voucher(
        &self,
        client: &Who,
        channel: ChannelId,
        amount: Balance,
    ) -> VoucherSignature {
        let m = voucher_message(self.suite.escrow.as_ref(), channel, amount);
        VoucherSignature::Ecdsa(client.ec.sign(&m).0)
    }

    pub fn claim_batch(
        &mut self,
        vouchers: Vec<(ChannelId, Balance, VoucherSignature)>,
    ) -> Vec<ClaimOutcome> {
        let p = self.provider.account.clone();
        let r: Result<Vec<ClaimOutcome>, EscrowError> = self.escrow(&p, "claim_batch", vouchers, 0);
        r.expect("claim_batch")
    }

    // ---- reputation -----------------------------------------------------------------

    pub fn rate(
        &mut self,
        who: &AccountId32,
        channel: ChannelId,
        stars: u8,
    ) -> Result<(), ReputationError> {
        let at = self.suite.reputation.clone();
        self.chain
            .call(&self.b.reputation, &at, "rate", (channel, stars), who, 0)
            .unwrap_or_else(|e| panic!("reputation::rate: {e}"))
    }

    pub fn score(&mut self, service: ServiceId) -> Score {
        let at = self.suite.reputation.clone();
        self.chain
            .query(&self.b.reputation, &at, "score_of", service)
    }

    /// What the escrow contract holds beyond its books (Σ balances + Σ open channels'
    /// funds − claimed + fees): the existential deposit its instantiation left. Taken at
    /// the start of a run on a reused deployment, it is the `base` of
    /// [`Market::assert_conservation`].
    pub fn unowed(&mut self) -> Balance {
        let acc = self.accounting();
        let owed = acc.balances + acc.locked + acc.fees;
        self.escrow_native().saturating_sub(owed)
    }

    /// Funds conservation, against the chain's real balance: the escrow contract holds
    /// exactly Σ balances + Σ open channels' (funds − claimed) + fees (plus the
    /// existential deposit its instantiation left, `base`).
    pub fn assert_conservation(&mut self, base: Balance) {
        let acc = self.accounting();
        let native = self.escrow_native();
        assert_eq!(
            native,
            base + acc.balances + acc.locked + acc.fees,
            "escrow native balance vs {acc:?}"
        );
    }
}
