//! A real node as a [`Backend`], over subxt 0.35 (the version ink_e2e 5.1.1 uses):
//! dry runs through the `ContractsApi` runtime API, extrinsics of pallet-contracts
//! (`instantiate_with_code` / `instantiate`, `call`) signed with sr25519 keys from
//! secret URIs, balances and time read from storage.

use crate::{
    backend::{Backend, Cost, Reverted},
    bundle::Bundle,
};
use drink::{
    pallet_contracts::{Code, ContractExecResult, ContractInstantiateResult, StorageDeposit},
    AccountId32, Weight,
};
use gb_interfaces::{Balance, Timestamp};
use scale::{Decode, Encode};
use std::{collections::HashMap, str::FromStr};
use subxt::{
    backend::{legacy::LegacyRpcMethods, rpc::RpcClient},
    config::PolkadotExtrinsicParamsBuilder,
    dynamic::Value,
    tx::{DynamicPayload, TxStatus},
    OnlineClient, PolkadotConfig,
};
use subxt_signer::{sr25519::Keypair, SecretUri};

/// Why connecting failed.
#[derive(Debug)]
pub enum ConnectError {
    /// Nothing answers at the URL.
    Unreachable { url: String, reason: String },
    /// The chain has no pallet-contracts (e.g. a relay chain, or pallet-revive only).
    NoContractsPallet { url: String, chain: String },
    /// The `--suri` is not a valid secret URI.
    BadSuri(String),
    /// The default dev key on a chain that is not a dev chain.
    DevKeyOnLiveChain { chain: String },
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Unreachable { url, reason } => write!(
                f,
                "cannot reach a node at {url} ({reason}); start one, e.g. \
                 `substrate-contracts-node --dev`, or check --url"
            ),
            ConnectError::NoContractsPallet { url, chain } => write!(
                f,
                "the chain at {url} (`{chain}`) has no Contracts pallet: these ink! 5 \
                 contracts need pallet-contracts (e.g. substrate-contracts-node, a \
                 contracts parachain)"
            ),
            ConnectError::BadSuri(why) => write!(f, "--suri: {why}"),
            ConnectError::DevKeyOnLiveChain { chain } => write!(
                f,
                "`{chain}` is not a development chain: pass the deployer's key with --suri \
                 (the default //Alice is for dev chains only)"
            ),
        }
    }
}

impl std::error::Error for ConnectError {}

/// A connection to a node, with the keys of the accounts it signs for.
pub struct Node {
    rt: tokio::runtime::Runtime,
    api: OnlineClient<PolkadotConfig>,
    rpc: LegacyRpcMethods<PolkadotConfig>,
    url: String,
    chain: String,
    keys: HashMap<AccountId32, Keypair>,
    /// Funds other accounts and makes the dry runs.
    deployer: AccountId32,
    costs: Vec<(String, Cost)>,
    /// Block number of each instantiation.
    blocks: HashMap<AccountId32, u64>,
    /// Plancks paid in transaction fees, by all signers.
    fees_paid: Balance,
}

/// Whether `chain` (the node's `system_chain`) is a development chain, where the
/// well-known `//Alice` key may deploy by default.
fn is_dev_chain(chain: &str) -> bool {
    ["Development", "Local Testnet"].contains(&chain) || chain.to_lowercase().contains("dev")
}

fn err(e: impl std::fmt::Display) -> Reverted {
    Reverted::chain(e.to_string())
}

/// Explains the errors a user can act on (funds), passes the others through.
fn explain(e: impl std::fmt::Display, who: &AccountId32) -> Reverted {
    let text = e.to_string();
    let funds = [
        "Inability to pay some fees",
        "balance too low",
        "StorageDepositNotEnoughFunds",
        "FundsUnavailable",
        // `TokenError::FundsUnavailable` as subxt displays it (a dry run by an account
        // holding nothing).
        "Funds are unavailable",
        "InsufficientBalance",
    ];
    if funds.iter().any(|f| text.contains(f)) {
        Reverted::chain(format!(
            "insufficient funds: {who} cannot pay the transaction fee and storage deposit \
             ({text}); fund it, or pick another --suri"
        ))
    } else {
        Reverted::chain(text)
    }
}

fn weight_value(w: Weight) -> Value {
    Value::named_composite([
        ("ref_time", Value::u128(w.ref_time().into())),
        ("proof_size", Value::u128(w.proof_size().into())),
    ])
}

/// Gas limit of a submitted call: what the dry run needed plus a 20 % margin (state
/// may grow between the dry run and the block).
fn with_margin(w: Weight) -> Weight {
    Weight::from_parts(
        w.ref_time().saturating_add(w.ref_time() / 5),
        w.proof_size().saturating_add(w.proof_size() / 5),
    )
}

fn cost_of(consumed: Weight, deposit: &StorageDeposit<Balance>) -> Cost {
    Cost {
        ref_time: consumed.ref_time(),
        proof_size: consumed.proof_size(),
        storage_deposit: match deposit {
            StorageDeposit::Charge(c) => *c as i128,
            StorageDeposit::Refund(r) => -(*r as i128),
        },
    }
}

impl Node {
    /// Connects to the node at `url` and loads the deployer's key from `suri` (`None`:
    /// `//Alice`, accepted on development chains only).
    pub fn connect(url: &str, suri: Option<&str>) -> Result<Self, ConnectError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ConnectError::Unreachable {
                url: url.into(),
                reason: format!("no async runtime: {e}"),
            })?;
        let unreachable = |e: subxt::Error| ConnectError::Unreachable {
            url: url.into(),
            reason: e.to_string(),
        };
        let rpc_client = rt
            .block_on(RpcClient::from_insecure_url(url))
            .map_err(unreachable)?;
        let api = rt
            .block_on(OnlineClient::<PolkadotConfig>::from_rpc_client(
                rpc_client.clone(),
            ))
            .map_err(unreachable)?;
        let rpc = LegacyRpcMethods::new(rpc_client);
        let chain = rt.block_on(rpc.system_chain()).map_err(unreachable)?;
        if api.metadata().pallet_by_name("Contracts").is_none() {
            return Err(ConnectError::NoContractsPallet {
                url: url.into(),
                chain,
            });
        }
        if suri.is_none() && !is_dev_chain(&chain) {
            return Err(ConnectError::DevKeyOnLiveChain { chain });
        }
        let mut node = Node {
            rt,
            api,
            rpc,
            url: url.into(),
            chain,
            keys: HashMap::new(),
            deployer: AccountId32::new([0; 32]),
            costs: Vec::new(),
            blocks: HashMap::new(),
            fees_paid: 0,
        };
        node.deployer = node
            .add_key(suri.unwrap_or("//Alice"))
            .map_err(|e| ConnectError::BadSuri(e.reason))?;
        Ok(node)
    }

    /// The account that deploys and funds.
    pub fn deployer(&self) -> AccountId32 {
        self.deployer.clone()
    }

    /// The chain's genesis hash, `0x…`.
    pub fn genesis_hash(&self) -> String {
        format!("0x{}", hex::encode(self.api.genesis_hash()))
    }

    fn key(&self, who: &AccountId32) -> Result<&Keypair, Reverted> {
        self.keys
            .get(who)
            .ok_or_else(|| Reverted::chain(format!("no key for {who}")))
    }

    fn storage(&self, pallet: &str, entry: &str, keys: Vec<Value>) -> Option<Vec<u8>> {
        let address = subxt::dynamic::storage(pallet, entry, keys);
        self.rt.block_on(async {
            // At the best block: subxt's `at_latest` is the last *finalized* one, which a
            // dev node finalizes a second late.
            let best = self.rpc.chain_get_block_hash(None).await.ok()??;
            let thunk = self.api.storage().at(best).fetch(&address).await.ok()??;
            Some(thunk.encoded().to_vec())
        })
    }

    /// Signs and submits `call` as `origin`, waits for its block; returns the block
    /// number. A dispatch error (e.g. `Contracts::ContractReverted`) is an error.
    fn submit(&mut self, origin: &AccountId32, call: DynamicPayload) -> Result<u64, Reverted> {
        let key = self.key(origin)?.clone();
        let (block, fee) = self.rt.block_on(async {
            // The nonce the node expects next, counting its transaction pool. (subxt's
            // default reads the last *finalized* block, which a dev node finalizes a
            // second late: the next transaction would reuse a nonce, "outdated".)
            let account = <Keypair as subxt::tx::Signer<PolkadotConfig>>::account_id(&key);
            let nonce = self
                .rpc
                .system_account_next_index(&account)
                .await
                .map_err(err)?;
            let params = PolkadotExtrinsicParamsBuilder::new().nonce(nonce).build();
            let mut progress = self
                .api
                .tx()
                .create_signed_offline(&call, &key, params)
                .map_err(|e| explain(e, origin))?
                .submit_and_watch()
                .await
                .map_err(|e| explain(e, origin))?;
            while let Some(status) = progress.next().await {
                match status.map_err(|e| explain(e, origin))? {
                    TxStatus::InBestBlock(in_block) | TxStatus::InFinalizedBlock(in_block) => {
                        let events = in_block
                            .wait_for_success()
                            .await
                            .map_err(|e| explain(e, origin))?;
                        let mut fee = 0;
                        for ev in events.iter().flatten() {
                            if ev.pallet_name() == "TransactionPayment"
                                && ev.variant_name() == "TransactionFeePaid"
                            {
                                // { who: AccountId32, actual_fee: u128, tip: u128 }
                                let raw = ev.field_bytes();
                                if let Ok((_, f, _)) =
                                    <([u8; 32], u128, u128)>::decode(&mut &raw[..])
                                {
                                    fee += f;
                                }
                            }
                        }
                        let header = self
                            .rpc
                            .chain_get_header(Some(in_block.block_hash()))
                            .await
                            .map_err(err)?;
                        return Ok((header.map_or(0, |h| u64::from(h.number)), fee));
                    }
                    TxStatus::Error { message }
                    | TxStatus::Invalid { message }
                    | TxStatus::Dropped { message } => {
                        return Err(explain(
                            subxt::Error::Other(format!("transaction rejected: {message}")),
                            origin,
                        ))
                    }
                    _ => continue,
                }
            }
            Err(Reverted::chain("the node closed the transaction stream"))
        })?;
        self.fees_paid += fee;
        Ok(block)
    }

    fn state_call<R: Decode>(&self, api: &str, args: Vec<u8>) -> Result<R, Reverted> {
        let out = self
            .rt
            .block_on(self.rpc.state_call(api, Some(&args), None))
            .map_err(err)?;
        R::decode(&mut &out[..]).map_err(|e| Reverted::chain(format!("{api}: cannot decode: {e}")))
    }

    /// A runtime `DispatchError` with its pallet and error names (from the metadata).
    fn dispatch_error(&self, e: &drink::DispatchError) -> String {
        subxt::error::DispatchError::decode_from(e.encode(), self.api.metadata())
            .map_or_else(|_| format!("{e:?}"), |d| d.to_string())
    }

    fn code_exists(&self, hash: [u8; 32]) -> bool {
        self.storage("Contracts", "CodeInfoOf", vec![Value::from_bytes(hash)])
            .is_some()
    }
}

fn debug_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Backend for Node {
    fn instantiate(
        &mut self,
        bundle: &Bundle,
        data: Vec<u8>,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<(AccountId32, Cost), Reverted> {
        let hash = bundle.code_hash();
        let uploaded = self.code_exists(hash);
        let code = if uploaded {
            Code::Existing(hash)
        } else {
            Code::<[u8; 32]>::Upload(bundle.wasm.clone())
        };
        let args = (
            origin.clone(),
            0u128,
            None::<Weight>,
            None::<Balance>,
            code,
            data.clone(),
            salt.to_vec(),
        );
        let dry: ContractInstantiateResult<AccountId32, Balance, ()> =
            self.state_call("ContractsApi_instantiate", args.encode())?;
        let debug = debug_of(&dry.debug_message);
        let ok = match dry.result {
            Ok(ok) => ok,
            Err(e) => {
                let reason = format!("{}: {}", bundle.name, self.dispatch_error(&e));
                return Err(Reverted {
                    debug,
                    ..explain(reason, origin)
                });
            }
        };
        if ok.result.did_revert() {
            return Err(Reverted {
                data: ok.result.data,
                reason: format!("{} constructor reverted", bundle.name),
                debug,
            });
        }
        let gas = weight_value(with_margin(dry.gas_required));
        let no_limit = Value::unnamed_variant("None", []);
        // The code already on chain is referenced by its hash, else uploaded with the call.
        let (function, code) = if uploaded {
            ("instantiate", Value::from_bytes(hash))
        } else {
            ("instantiate_with_code", Value::from_bytes(&bundle.wasm))
        };
        let call = subxt::dynamic::tx(
            "Contracts",
            function,
            vec![
                Value::u128(0),
                gas,
                no_limit,
                code,
                Value::from_bytes(&data),
                Value::from_bytes(salt),
            ],
        );
        let block = self.submit(origin, call)?;
        self.blocks.insert(ok.account_id.clone(), block);
        Ok((
            ok.account_id,
            cost_of(dry.gas_consumed, &dry.storage_deposit),
        ))
    }

    fn exec(
        &mut self,
        contract: &AccountId32,
        data: Vec<u8>,
        origin: &AccountId32,
        value: Balance,
        dry_run: bool,
    ) -> Result<(Vec<u8>, Cost), Reverted> {
        let args = (
            origin.clone(),
            contract.clone(),
            value,
            None::<Weight>,
            None::<Balance>,
            data.clone(),
        );
        let dry: ContractExecResult<Balance, ()> =
            self.state_call("ContractsApi_call", args.encode())?;
        let cost = cost_of(dry.gas_consumed, &dry.storage_deposit);
        let ret = match dry.result {
            Ok(ret) => ret,
            Err(e) => {
                return Err(Reverted {
                    debug: debug_of(&dry.debug_message),
                    ..explain(self.dispatch_error(&e), origin)
                })
            }
        };
        if !dry_run && !ret.did_revert() {
            let call = subxt::dynamic::tx(
                "Contracts",
                "call",
                vec![
                    Value::unnamed_variant("Id", [Value::from_bytes(contract)]),
                    Value::u128(value),
                    weight_value(with_margin(dry.gas_required)),
                    Value::unnamed_variant("None", []),
                    Value::from_bytes(&data),
                ],
            );
            self.submit(origin, call)?;
        }
        Ok((ret.data, cost))
    }

    fn fund(&mut self, who: &AccountId32, amount: Balance) -> Result<(), Reverted> {
        let has = self.free_balance(who);
        if has >= amount {
            return Ok(());
        }
        let call = subxt::dynamic::tx(
            "Balances",
            "transfer_keep_alive",
            vec![
                Value::unnamed_variant("Id", [Value::from_bytes(who)]),
                Value::u128(amount - has),
            ],
        );
        let deployer = self.deployer.clone();
        self.submit(&deployer, call).map(|_| ())
    }

    fn add_key(&mut self, suri: &str) -> Result<AccountId32, Reverted> {
        let uri = SecretUri::from_str(suri)
            .map_err(|e| Reverted::chain(format!("`{suri}` is not a secret URI: {e}")))?;
        let key = Keypair::from_uri(&uri).map_err(|e| Reverted::chain(format!("`{suri}`: {e}")))?;
        let account = AccountId32::from(key.public_key().0);
        self.keys.insert(account.clone(), key);
        Ok(account)
    }

    fn free_balance(&mut self, who: &AccountId32) -> Balance {
        // AccountInfo { nonce, consumers, providers, sufficients: u32, data: { free, .. } }
        self.storage("System", "Account", vec![Value::from_bytes(who)])
            .and_then(|raw| <([u32; 4], Balance)>::decode(&mut &raw[..]).ok())
            .map_or(0, |(_, free)| free)
    }

    fn now(&mut self) -> Timestamp {
        // The node stamps a block with its system time when it seals it; the last
        // block may be old (instant seal only seals on transactions).
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as Timestamp);
        let last = self
            .storage("Timestamp", "Now", vec![])
            .and_then(|raw| Timestamp::decode(&mut &raw[..]).ok())
            .unwrap_or(0);
        wall.max(last)
    }

    fn advance(&mut self, ms: Timestamp) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
        // Dry runs execute on the last block, whose timestamp is that of its sealing; a
        // dev node seals only on transactions, so seal one now (a remark).
        let deployer = self.deployer.clone();
        let remark = subxt::dynamic::tx("System", "remark", vec![Value::from_bytes(b"")]);
        if let Err(e) = self.submit(&deployer, remark) {
            eprintln!("warning: could not seal a block after waiting: {e}");
        }
    }

    fn costs(&mut self) -> &mut Vec<(String, Cost)> {
        &mut self.costs
    }

    fn code_hash_at(&mut self, address: &AccountId32) -> Option<[u8; 32]> {
        // ContractInfo { trie_id: BoundedVec<u8>, code_hash: H256, .. }
        self.storage(
            "Contracts",
            "ContractInfoOf",
            vec![Value::from_bytes(address)],
        )
        .and_then(|raw| <(Vec<u8>, [u8; 32])>::decode(&mut &raw[..]).ok())
        .map(|(_, hash)| hash)
    }

    fn query_origin(&self) -> AccountId32 {
        self.deployer.clone()
    }

    fn describe(&mut self) -> serde_json::Value {
        serde_json::json!({
            "name": self.chain,
            "url": self.url,
            "genesis_hash": self.genesis_hash(),
        })
    }

    fn fees_paid(&self) -> Option<Balance> {
        Some(self.fees_paid)
    }

    fn deployed_in(&self, address: &AccountId32) -> Option<u64> {
        self.blocks.get(address).copied()
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
        let e = ConnectError::DevKeyOnLiveChain {
            chain: "Astar".into(),
        };
        assert!(e
            .to_string()
            .starts_with("`Astar` is not a development chain: pass"));
    }
}
