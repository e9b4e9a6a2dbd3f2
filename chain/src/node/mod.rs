//! A real node as a [`Chain`], over subxt 0.35 (the version ink_e2e 5.1.1 uses).
//!
//! * [`Node::connect`]: the endpoint, its metadata (it must have pallet-contracts),
//!   whether it is a development chain.
//! * dry runs through the `ContractsApi` runtime API with our own copy of its types
//!   ([`crate::primitives`]), then pallet-contracts' extrinsics (`call`,
//!   `instantiate_with_code` / `instantiate`) signed with sr25519 keys
//!   (`contracts.rs`, `submit.rs`);
//! * storage read through the metadata at the best block (`storage.rs`);
//! * dispatch errors decoded by name through the metadata (`errors.rs`);
//! * the finalized blocks' contract events (`events.rs`).
//!
//! Everything is async; a `Node` holds no runtime and is `Send + Sync`: share it (e.g.
//! in an `Arc`) between tasks.

mod contracts;
mod errors;
mod events;
mod storage;
mod submit;

pub use contracts::code_hash;

use crate::chain::{Chain, EventStream};
use crate::error::ChainError;
use crate::key::AccountKey;
use crate::types::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use subxt::backend::{legacy::LegacyRpcMethods, rpc::RpcClient};
use subxt::dynamic::Value;
use subxt::{OnlineClient, PolkadotConfig};

/// A connection to a node.
///
/// It holds one key, the *origin*: the account read-only dry runs are made from
/// ([`Chain::query_origin`]) and the signer of the blocks [`Chain::advance`] seals
/// (typically the deployer). Every other signed operation takes its signer's key as an
/// argument.
pub struct Node {
    api: OnlineClient<PolkadotConfig>,
    rpc: LegacyRpcMethods<PolkadotConfig>,
    info: ChainInfo,
    origin: AccountKey,
    /// One lock per signer around "next nonce, sign, submit" (see
    /// `Node::sign_and_submit`).
    nonce_locks: Mutex<HashMap<[u8; 32], Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("info", &self.info)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// Whether `chain` (a node's `system_chain`) is a development chain, where the
/// well-known `//Alice` key may act by default.
pub fn is_dev_chain(chain: &str) -> bool {
    ["Development", "Local Testnet"].contains(&chain) || chain.to_lowercase().contains("dev")
}

impl Node {
    /// Connects to the node at `url` (`ws://` or `wss://`); `origin` is the key of the
    /// account dry runs are made from and that seals blocks in [`Chain::advance`].
    ///
    /// Errors: [`ChainError::Unreachable`] if nothing answers (or not as a node),
    /// [`ChainError::NoContractsPallet`] if the chain's metadata has no `Contracts`
    /// pallet.
    ///
    /// Whether `origin` may be the default `//Alice` is the caller's policy: on a chain
    /// whose [`ChainInfo::dev`] is false, refuse a defaulted key with
    /// [`Node::require_dev_chain`].
    pub async fn connect(url: &str, origin: AccountKey) -> Result<Self, ChainError> {
        let unreachable = |e: subxt::Error| ChainError::Unreachable {
            url: url.into(),
            reason: e.to_string(),
        };
        let client = RpcClient::from_insecure_url(url)
            .await
            .map_err(unreachable)?;
        let api = OnlineClient::<PolkadotConfig>::from_rpc_client(client.clone())
            .await
            .map_err(unreachable)?;
        let rpc = LegacyRpcMethods::new(client);
        let name = rpc.system_chain().await.map_err(unreachable)?;
        if api.metadata().pallet_by_name("Contracts").is_none() {
            return Err(ChainError::NoContractsPallet {
                url: url.into(),
                chain: name,
            });
        }
        let info = ChainInfo {
            dev: is_dev_chain(&name),
            name,
            url: Some(url.into()),
            genesis_hash: hex0x(api.genesis_hash().as_ref()),
        };
        Ok(Node {
            api,
            rpc,
            info,
            origin,
            nonce_locks: Mutex::default(),
        })
    }

    /// [`ChainError::DevKeyOnLiveChain`] unless this is a development chain: for a
    /// caller that defaulted the key to `//Alice`.
    pub fn require_dev_chain(&self) -> Result<(), ChainError> {
        if self.info.dev {
            Ok(())
        } else {
            Err(ChainError::DevKeyOnLiveChain {
                chain: self.info.name.clone(),
            })
        }
    }

    /// The origin's key (the account of [`Chain::query_origin`]).
    pub fn origin(&self) -> &AccountKey {
        &self.origin
    }

    /// The subxt client, for what the trait does not cover.
    pub fn client(&self) -> &OnlineClient<PolkadotConfig> {
        &self.api
    }
}

/// Milliseconds since the Unix epoch by this machine's clock.
fn wall_clock_ms() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| {
            Timestamp::try_from(d.as_millis()).unwrap_or(Timestamp::MAX)
        })
}

#[async_trait::async_trait]
impl Chain for Node {
    fn info(&self) -> ChainInfo {
        self.info.clone()
    }

    fn query_origin(&self) -> AccountId {
        self.origin.account_id()
    }

    async fn dry_run(&self, origin: &AccountId, call: &ContractCall) -> Result<DryRun, ChainError> {
        self.call_dry_run(origin, call).await
    }

    async fn submit(
        &self,
        signer: &AccountKey,
        call: &ContractCall,
    ) -> Result<Submitted, ChainError> {
        self.submit_call(signer, call).await
    }

    async fn dry_run_instantiate(
        &self,
        origin: &AccountId,
        inst: &Instantiation,
    ) -> Result<DryRunInstantiation, ChainError> {
        self.dry_run_instantiation(origin, inst).await
    }

    async fn instantiate(
        &self,
        signer: &AccountKey,
        inst: &Instantiation,
    ) -> Result<Instantiated, ChainError> {
        self.submit_instantiation(signer, inst).await
    }

    async fn free_balance(&self, who: &AccountId) -> Result<Balance, ChainError> {
        self.read_free_balance(who).await
    }

    /// Tops `who` up to `amount` with a `Balances::transfer_keep_alive` of the
    /// difference, signed by `funder`.
    async fn fund(
        &self,
        funder: &AccountKey,
        who: &AccountId,
        amount: Balance,
    ) -> Result<(), ChainError> {
        let has = self.read_free_balance(who).await?;
        if has >= amount {
            return Ok(());
        }
        let transfer = subxt::dynamic::tx(
            "Balances",
            "transfer_keep_alive",
            vec![
                Value::unnamed_variant("Id", [Value::from_bytes(who)]),
                Value::u128(amount - has),
            ],
        );
        self.sign_and_submit(funder, &transfer).await.map(|_| ())
    }

    async fn code_hash_at(&self, address: &AccountId) -> Result<Option<CodeHash>, ChainError> {
        self.read_code_hash_at(address).await
    }

    /// The later of this machine's clock and the best block's `Timestamp::Now`: a node
    /// stamps a block with its own clock when it seals it, and the last block may be
    /// old (a dev node seals only when a transaction comes).
    async fn now(&self) -> Result<Timestamp, ChainError> {
        Ok(wall_clock_ms().max(self.last_block_time().await?))
    }

    /// Sleeps `ms`, then seals a block with an empty `System::remark` signed by the
    /// origin, since dry runs execute on the best block, whose timestamp is that of its
    /// sealing (a dev node seals only on transactions). The origin pays its fee.
    async fn advance(&self, ms: Timestamp) -> Result<(), ChainError> {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        let remark = subxt::dynamic::tx("System", "remark", vec![Value::from_bytes(b"")]);
        self.sign_and_submit(&self.origin, &remark)
            .await
            .map(|_| ())
    }

    async fn subscribe(&self) -> Result<EventStream, ChainError> {
        self.finalized_events().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_development_chains_take_the_default_key() {
        assert!(is_dev_chain("Development"));
        assert!(is_dev_chain("Local Testnet"));
        assert!(is_dev_chain("Contracts Dev"));
        assert!(!is_dev_chain("Polkadot"));
        assert!(!is_dev_chain("Astar"));
        let e = ChainError::DevKeyOnLiveChain {
            chain: "Astar".into(),
        };
        assert!(e
            .to_string()
            .starts_with("`Astar` is not a development chain: pass"));
    }

    #[test]
    fn a_node_can_be_shared_between_tasks() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Node>();
    }

    #[tokio::test]
    async fn nothing_listening_is_unreachable_with_the_old_text() {
        // Port 9 (discard) on localhost: nothing answers a websocket there.
        let e = Node::connect("ws://127.0.0.1:9", AccountKey::dev("Alice"))
            .await
            .unwrap_err();
        assert!(matches!(e, ChainError::Unreachable { .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.starts_with("cannot reach a node at ws://127.0.0.1:9 ("),
            "{text}"
        );
        assert!(
            text.ends_with("); start one, e.g. `substrate-contracts-node --dev`, or check --url"),
            "{text}"
        );
    }
}
