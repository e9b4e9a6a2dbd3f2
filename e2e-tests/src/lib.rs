//! # gb-e2e-tests: the test kit of the end-to-end suite
//!
//! The three real contract bundles deployed together with `gb_deploy::suite::deploy`
//! and driven through `gb_client`'s typed messages: in-process on drink's chain
//! (`gb_chain::sandbox::Sandbox`, the default) or, with the same code, on a node
//! (`gb_chain::node::Node`, the gas report with `GB_GAS_NODE_URL`). Every chain is
//! wrapped in a [`Recorder`], so that the tests can read what each call cost.
//!
//! * [`Market`]: the deployed suite with its cast (provider, org member, treasury,
//!   clients) and typed helpers over the contracts' messages: [`Market::call`] and
//!   [`Market::send`] return a contract's refusal as its own error type
//!   (`Err(EscrowError::NotPayee)`, …) and panic on anything else (a chain failure is a
//!   broken test, not an outcome).
//! * [`bundles`]: the `.contract` bundles (`GB_BUNDLES_DIR`), loaded once.
//! * [`block_on`]: runs a future where the caller is not async (the proptest closure,
//!   the harness-less gas report); the other tests are `#[tokio::test]`.
//!
//! The tests themselves are in `tests/`: `workflow`, `cross_contract_failures`,
//! `conservation` (stateful property test), `gas_report` (no harness: prints the
//! tables), and behind the `e2e-tests` feature `node` (ink_e2e) and `cli_node`
//! (the `gb-deploy` binary on a node).

use gb_chain::sandbox::Sandbox;
use gb_chain::{AccountId, AccountKey, Balance, Chain, CostEntry, Recorder, Timestamp};
use gb_client::client::Quote;
use gb_client::{
    ink_account, Accounting, Channel, ClaimOutcome, Client, ClientError, ContractError, EscrowApi,
    Message, Outcome, RankedPage, RegistryApi, ReputationApi, Score, Sent, ServiceSpec,
};
use gb_deploy::bundle::{default_dir, Bundles};
use gb_deploy::suite::{self, DeployError, Options};
use gb_interfaces::{ChannelId, ServiceId, Voucher};
use gb_voucher::VoucherKey;
use std::fmt::Debug;
use std::sync::OnceLock;

pub use gb_client::errors::{EscrowError, RegistryError, ReputationError};
pub use gb_deploy::actors::{Cast, Who, UNIT};

/// Every account of an in-process market starts with this much.
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;
/// On a node every actor is topped up to this from the deployer (the dev accounts
/// already hold more).
pub const NODE_FUNDS: Balance = 10_000 * UNIT;
pub const HOUR: Timestamp = 3_600_000;
pub const DAY: Timestamp = 24 * HOUR;

/// The contract bundles, loaded once from [`default_dir`] (`GB_BUNDLES_DIR`).
pub fn bundles() -> &'static Bundles {
    static B: OnceLock<Bundles> = OnceLock::new();
    B.get_or_init(|| Bundles::load(&default_dir()).unwrap_or_else(|e| panic!("{e}")))
}

/// Runs `f` to completion on a fresh current-thread runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(f)
}

/// `who`'s ecdsa voucher key (secp256k1, from the same secret URI as its sr25519 keys).
pub fn ecdsa_key(who: &Who) -> VoucherKey {
    VoucherKey::ecdsa(who.key.suri()).expect("a dev secret URI")
}

/// A contract's own error type, as [`ContractError`] carries it.
pub trait Refusal: Sized + Debug {
    fn of(e: ContractError) -> Option<Self>;
}

impl Refusal for EscrowError {
    fn of(e: ContractError) -> Option<Self> {
        match e {
            ContractError::Escrow(e) => Some(e),
            _ => None,
        }
    }
}

impl Refusal for RegistryError {
    fn of(e: ContractError) -> Option<Self> {
        match e {
            ContractError::Registry(e) => Some(e),
            _ => None,
        }
    }
}

impl Refusal for ReputationError {
    fn of(e: ContractError) -> Option<Self> {
        match e {
            ContractError::Reputation(e) => Some(e),
            _ => None,
        }
    }
}

/// The deployed marketplace and its actors, on a chain `C` (the in-process one by
/// default) behind a [`Recorder`].
pub struct Market<C: Chain = Sandbox> {
    pub client: Client<Recorder<C>>,
    /// Owns the three contracts.
    pub deployer: AccountKey,
    pub provider: Who,
    pub member: Who,
    pub treasury: Who,
    pub clients: Vec<Who>,
    /// Escrow's protocol fee (basis points), as its config says.
    pub fee_bps: u16,
}

impl Market<Sandbox> {
    /// Deploys and wires the suite with `fee_bps` on a fresh in-process chain; endows
    /// the deployer, provider, member, treasury and `n_clients` clients with
    /// [`ENDOWMENT`]. Panics if that fails (a broken fixture).
    pub async fn new(fee_bps: u16, n_clients: usize) -> Self {
        let chain = Sandbox::new();
        // Not one of the cast's dev accounts (clients include //Alice).
        let deployer = AccountKey::dev("Deployer");
        chain
            .mint(&deployer.account_id(), ENDOWMENT)
            .expect("endow the deployer");
        Market::on(chain, deployer, fee_bps, n_clients, ENDOWMENT)
            .await
            .unwrap_or_else(|e| panic!("deploy the suite: {e}"))
    }

    /// The in-process chain (its clock and faucet).
    pub fn sandbox(&self) -> &Sandbox {
        self.client.chain().inner()
    }
}

impl<C: Chain> Market<C> {
    /// Deploys and wires the suite on `chain` as `deployer` (fee `fee_bps`, treasury
    /// //Ferdie), then makes sure provider, member, treasury and `n_clients` clients
    /// hold `funds` (the sandbox mints, a node transfers from the deployer).
    pub async fn on(
        chain: C,
        deployer: AccountKey,
        fee_bps: u16,
        n_clients: usize,
        funds: Balance,
    ) -> Result<Self, DeployError> {
        Self::on_with(chain, bundles(), deployer, fee_bps, n_clients, funds).await
    }

    /// [`Market::on`] with the given bundles (e.g. `Bundles::load_production`).
    pub async fn on_with(
        chain: C,
        bundles: &Bundles,
        deployer: AccountKey,
        fee_bps: u16,
        n_clients: usize,
        funds: Balance,
    ) -> Result<Self, DeployError> {
        let chain = Recorder::new(chain);
        let treasury = Who::dev("Ferdie");
        let opts = Options {
            fee_bps,
            treasury: treasury.account(),
            salt: chain
                .now()
                .await
                .map_err(|source| DeployError::Chain {
                    step: "the clock",
                    source,
                })?
                .to_le_bytes()
                .to_vec(),
        };
        let deployment = suite::deploy(&chain, bundles, &deployer, &opts).await?;
        let client = Client::new(chain, deployment);
        // A suite that already served (a reused node deployment) gets fresh parties,
        // as the demo's: one-per-epoch rules must see new ones.
        let next = client.query(client.registry().next_service_id()).await?;
        let cast = Cast::new(n_clients, next.saturating_sub(1));
        for w in cast.everyone() {
            client
                .chain()
                .fund(&deployer, &w.account(), funds)
                .await
                .map_err(|source| DeployError::Chain {
                    step: "funding the cast",
                    source,
                })?;
        }
        let fee_bps = client.query(client.escrow().config()).await?.fee_bps;
        Ok(Market {
            client,
            deployer,
            provider: cast.provider,
            member: cast.member,
            treasury: cast.treasury,
            clients: cast.clients,
            fee_bps,
        })
    }

    /// The chain, with its cost records.
    pub fn chain(&self) -> &Recorder<C> {
        self.client.chain()
    }

    pub fn registry(&self) -> RegistryApi {
        self.client.registry()
    }

    pub fn escrow(&self) -> EscrowApi {
        self.client.escrow()
    }

    pub fn reputation(&self) -> ReputationApi {
        self.client.reputation()
    }

    /// The escrow contract's address.
    pub fn escrow_account(&self) -> AccountId {
        self.client.deployment().escrow().clone()
    }

    /// The chain and escrow address as vouchers (v2) bind them.
    pub fn escrow_domain(&self) -> gb_interfaces::VoucherDomain {
        self.client.voucher_domain()
    }

    // ---- calls ----------------------------------------------------------------------

    /// `who` sends `m` (recorded under the message's label). A contract's refusal is
    /// `Err` with its own error type; anything else that fails panics.
    pub async fn send<T, E>(&self, who: &Who, m: Message<Result<T, E>>) -> Result<Sent<T>, E>
    where
        Result<T, E>: Outcome<Value = T>,
        E: Refusal,
    {
        let label = m.label;
        self.chain().label_next(label);
        match self.client.send(&who.key, m).await {
            Ok(sent) => Ok(sent),
            Err(ClientError::Contract { error, .. }) => Err(E::of(error)
                .unwrap_or_else(|| panic!("{label}: refused by another contract: {error}"))),
            Err(e) => panic!("{label} by {}: {e}", who.name),
        }
    }

    /// [`Market::send`], the return value only.
    pub async fn call<T, E>(&self, who: &Who, m: Message<Result<T, E>>) -> Result<T, E>
    where
        Result<T, E>: Outcome<Value = T>,
        E: Refusal,
    {
        self.send(who, m).await.map(|s| s.value)
    }

    /// A read that cannot fail on a deployed suite; panics (with the reason) if it does.
    pub async fn query<O: Outcome>(&self, m: Message<O>) -> O::Value {
        let label = m.label;
        self.client
            .query(m)
            .await
            .unwrap_or_else(|e| panic!("query {label}: {e}"))
    }

    /// A dry run as `who`: value and cost, nothing changes (nor is recorded).
    pub async fn dry_run<O: Outcome>(&self, who: &Who, m: Message<O>) -> Quote<O::Value> {
        let label = m.label;
        self.client
            .dry_run(&who.account(), m)
            .await
            .unwrap_or_else(|e| panic!("dry run {label}: {e}"))
    }

    // ---- registry -------------------------------------------------------------------

    pub fn spec(&self, name: &str, price: Balance, tags: &[&str]) -> ServiceSpec {
        ServiceSpec {
            name: name.to_string(),
            price,
            payee: ink_account(&self.provider.account()),
            endpoint: format!("https://{name}.example/v1"),
            metadata_uri: format!("ipfs://{name}"),
            metadata_hash: [7; 32],
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    /// Creates org `org` owned by the provider with the member in it, and registers one
    /// service per (name, price, tags); returns the service ids.
    pub async fn register(
        &self,
        org: &str,
        services: &[(&str, Balance, &[&str])],
    ) -> Vec<ServiceId> {
        let r = self.registry();
        let p = &self.provider;
        self.call(p, r.create_org(org)).await.expect("create_org");
        self.call(p, r.add_member(org, &self.member.account()))
            .await
            .expect("add_member");
        let mut ids = Vec::new();
        for (name, price, tags) in services {
            let spec = self.spec(name, *price, tags);
            let id = self.call(p, r.register_service(org, spec)).await;
            ids.push(id.expect("register_service"));
        }
        ids
    }

    /// The first page (32) of `tag`'s ranking, best first.
    pub async fn ranked(&self, tag: &str) -> RankedPage {
        self.query(self.registry().ranked_by_tag(tag, 0, 32)).await
    }

    // ---- escrow ---------------------------------------------------------------------

    /// `deposit_and_open` by `client` with its sr25519 voucher key.
    pub async fn open(
        &self,
        client: &Who,
        service: ServiceId,
        funds: Balance,
        expiry: Timestamp,
    ) -> Result<ChannelId, EscrowError> {
        let m = self
            .escrow()
            .deposit_and_open(service, client.signer(), funds, expiry);
        self.call(client, m).await
    }

    /// `client`'s sr25519 voucher for `amount` in total on `channel`.
    pub fn voucher(&self, client: &Who, channel: ChannelId, amount: Balance) -> Voucher {
        gb_voucher::sign(&client.vouchers, &self.escrow_domain(), channel, amount)
    }

    /// The same key signing the `<Bytes>`-wrapped form (a browser wallet's `signRaw`).
    pub fn wrapped_voucher(&self, client: &Who, channel: ChannelId, amount: Balance) -> Voucher {
        let key = client.vouchers.clone().wrapped();
        gb_voucher::sign(&key, &self.escrow_domain(), channel, amount)
    }

    /// `client`'s ecdsa voucher (see [`ecdsa_key`]).
    pub fn ecdsa_voucher(&self, client: &Who, channel: ChannelId, amount: Balance) -> Voucher {
        gb_voucher::sign(&ecdsa_key(client), &self.escrow_domain(), channel, amount)
    }

    /// The provider claims `vouchers` in one call; panics if escrow refuses the batch as
    /// a whole (the outcomes are per voucher).
    pub async fn claim_batch(&self, vouchers: Vec<Voucher>) -> Vec<ClaimOutcome> {
        let m = self.escrow().claim_batch(vouchers);
        self.call(&self.provider, m).await.expect("claim_batch")
    }

    pub async fn channel(&self, id: ChannelId) -> Option<Channel> {
        self.query(self.escrow().channel(id)).await
    }

    pub async fn accounting(&self) -> Accounting {
        self.query(self.escrow().accounting()).await
    }

    /// `who`'s internal balance in escrow.
    pub async fn balance_of(&self, who: &Who) -> Balance {
        self.query(self.escrow().balance_of(&who.account())).await
    }

    pub async fn fees_held(&self) -> Balance {
        self.query(self.escrow().fees_held()).await
    }

    /// `who`'s free native balance on the chain.
    pub async fn free_balance(&self, who: &Who) -> Balance {
        self.chain()
            .free_balance(&who.account())
            .await
            .expect("free balance")
    }

    /// The escrow contract's real native balance.
    pub async fn escrow_native(&self) -> Balance {
        self.chain()
            .free_balance(&self.escrow_account())
            .await
            .expect("escrow's balance")
    }

    /// What the escrow contract holds beyond its books (Σ balances + Σ open channels'
    /// funds − claimed + fees): the existential deposit its instantiation left. Taken
    /// at the start of a test, it is the `base` of [`Market::check_conservation`].
    pub async fn unowed(&self) -> Balance {
        let owed = self.accounting().await.total();
        self.escrow_native().await.saturating_sub(owed)
    }

    /// Funds conservation against the chain's real balance: the escrow contract holds
    /// exactly Σ balances + Σ open channels' (funds − claimed) + fees, plus `base` (the
    /// existential deposit its instantiation left).
    pub async fn check_conservation(&self, base: Balance) -> Result<(), String> {
        let acc = self.accounting().await;
        let native = self.escrow_native().await;
        let owed = base + acc.balances + acc.locked + acc.fees;
        if native == owed {
            Ok(())
        } else {
            Err(format!(
                "escrow's native balance {native} is not base {base} + what it owes: {acc:?}"
            ))
        }
    }

    // ---- reputation -----------------------------------------------------------------

    /// `who` rates the service of `channel`.
    pub async fn rate(
        &self,
        who: &Who,
        channel: ChannelId,
        stars: u8,
    ) -> Result<(), ReputationError> {
        self.call(who, self.reputation().rate(channel, stars)).await
    }

    pub async fn score(&self, service: ServiceId) -> Score {
        self.query(self.reputation().score_of(service)).await
    }

    // ---- time -----------------------------------------------------------------------

    /// The time the next block will carry (ms).
    pub async fn now(&self) -> Timestamp {
        self.chain().now().await.expect("the clock")
    }

    /// Lets `ms` of chain time pass.
    pub async fn advance(&self, ms: Timestamp) {
        self.chain().advance(ms).await.expect("advance the clock")
    }

    // ---- costs ----------------------------------------------------------------------

    /// Every submitted call and instantiation so far, with its cost (deployment and
    /// wiring first, labelled by selector; the market's own calls by message label).
    pub fn costs(&self) -> Vec<CostEntry> {
        self.chain().entries()
    }

    /// The last recorded call (a refused call is not submitted, so not recorded).
    pub fn last_cost(&self) -> CostEntry {
        self.costs().last().cloned().expect("a recorded call")
    }

    /// How many calls are recorded: a mark for [`Market::storage_deposit_since`].
    pub fn mark(&self) -> usize {
        self.costs().len()
    }

    /// The storage deposit charged (+) or refunded (−) to the callers of the calls
    /// recorded since `mark` (0 if they were refused: nothing was submitted).
    pub fn storage_deposit_since(&self, mark: usize) -> i128 {
        self.costs()
            .iter()
            .skip(mark)
            .map(|e| e.cost.storage_deposit)
            .sum()
    }
}
