//! The in-process runtimes behind one object-safe interface, so that one `Sandbox`
//! serves both: drink's default runtime ([`Profile::Dev`]) and one configured like a
//! production chain ([`Profile::Production`], see `production.rs`).

use super::convert::{blake2_256, sp_account};
use super::production::ProductionSandbox;
use crate::types::{AccountId, Balance, ContractEvent, Timestamp};
use drink::{
    minimal::MinimalSandbox,
    pallet_contracts::{self, ExecReturnValue, StorageDeposit},
    sandbox_api::prelude::*,
    AccountId32, DispatchError, Sandbox as _, Weight,
};

/// Which runtime an in-process chain runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// drink's default runtime (ink_sandbox 5.1.1): deposits of 1 per item and per
    /// byte, an existential deposit of 1.
    #[default]
    Dev,
    /// Configured like a production chain (Bittensor's subtensor): unstable host
    /// functions refused, call stack 5, code ≤ 128 KiB, deposits of 15 % of the
    /// existential deposit (500) per item and 6 % per byte.
    Production,
}

impl Profile {
    /// A line for `ChainInfo::name`.
    pub fn describe(self) -> &'static str {
        match self {
            Profile::Dev => "in-process drink sandbox (pallet-contracts 31); not persisted",
            Profile::Production => {
                "in-process production-like runtime (pallet-contracts 31 configured as \
                 subtensor: unstable interface off, call stack 5, code <= 128 KiB, \
                 subtensor's deposits); not persisted"
            }
        }
    }
}

/// What a contract call (or its dry run) did.
pub(crate) struct ExecOutcome {
    pub consumed: Weight,
    pub required: Weight,
    pub deposit: StorageDeposit<Balance>,
    pub debug: Vec<u8>,
    pub result: Result<ExecReturnValue, DispatchError>,
}

/// What an instantiation (or its dry run) did.
pub(crate) struct DeployOutcome {
    pub consumed: Weight,
    pub required: Weight,
    pub deposit: StorageDeposit<Balance>,
    pub debug: Vec<u8>,
    pub result: Result<(AccountId32, ExecReturnValue), DispatchError>,
}

/// The operations `Sandbox` needs from a runtime.
pub(crate) trait SandboxRuntime: Send {
    fn call(
        &mut self,
        origin: &AccountId,
        contract: &AccountId,
        value: Balance,
        data: Vec<u8>,
        dry_run: bool,
    ) -> ExecOutcome;
    #[allow(clippy::too_many_arguments)]
    fn deploy(
        &mut self,
        origin: &AccountId,
        code: Vec<u8>,
        value: Balance,
        data: Vec<u8>,
        salt: Vec<u8>,
        dry_run: bool,
    ) -> DeployOutcome;
    fn mint(&mut self, who: &AccountId, amount: Balance) -> Result<(), DispatchError>;
    fn free_balance(&mut self, who: &AccountId) -> Balance;
    fn now(&mut self) -> Timestamp;
    fn set_now(&mut self, ms: Timestamp);
    /// The contract events since the last call, which are then forgotten.
    fn take_contract_events(&mut self) -> Vec<ContractEvent>;
    /// Forgets the events since the last call.
    fn drop_events(&mut self);
    fn code_hash(&mut self, address: &AccountId) -> Option<[u8; 32]>;
    /// The account queries run as.
    fn query_actor(&self) -> AccountId;
}

/// `SandboxRuntime` for a drink sandbox type, its runtime and its `RuntimeEvent`.
macro_rules! sandbox_runtime {
    ($sandbox:ty, $runtime:ty, $event:ty) => {
        impl SandboxRuntime for $sandbox {
            fn call(
                &mut self,
                origin: &AccountId,
                contract: &AccountId,
                value: Balance,
                data: Vec<u8>,
                dry_run: bool,
            ) -> ExecOutcome {
                let run = |sb: &mut Self| {
                    sb.call_contract(
                        sp_account(contract),
                        value,
                        data,
                        sp_account(origin),
                        <$sandbox>::default_gas_limit(),
                        None,
                        pallet_contracts::Determinism::Enforced,
                    )
                };
                let r = if dry_run {
                    self.dry_run(run)
                } else {
                    run(self)
                };
                ExecOutcome {
                    consumed: r.gas_consumed,
                    required: r.gas_required,
                    deposit: r.storage_deposit,
                    debug: r.debug_message,
                    result: r.result,
                }
            }

            fn deploy(
                &mut self,
                origin: &AccountId,
                code: Vec<u8>,
                value: Balance,
                data: Vec<u8>,
                salt: Vec<u8>,
                dry_run: bool,
            ) -> DeployOutcome {
                let run = |sb: &mut Self| {
                    sb.deploy_contract(
                        code,
                        value,
                        data,
                        salt,
                        sp_account(origin),
                        <$sandbox>::default_gas_limit(),
                        None,
                    )
                };
                let r = if dry_run {
                    self.dry_run(run)
                } else {
                    run(self)
                };
                DeployOutcome {
                    consumed: r.gas_consumed,
                    required: r.gas_required,
                    deposit: r.storage_deposit,
                    debug: r.debug_message,
                    result: r.result.map(|ok| (ok.account_id, ok.result)),
                }
            }

            fn mint(&mut self, who: &AccountId, amount: Balance) -> Result<(), DispatchError> {
                self.mint_into(&sp_account(who), amount).map(|_| ())
            }

            fn free_balance(&mut self, who: &AccountId) -> Balance {
                BalanceAPI::free_balance(self, &sp_account(who))
            }

            fn now(&mut self) -> Timestamp {
                self.get_timestamp()
            }

            fn set_now(&mut self, ms: Timestamp) {
                self.set_timestamp(ms)
            }

            fn take_contract_events(&mut self) -> Vec<ContractEvent> {
                type Event = $event;
                let records = SystemAPI::events(self);
                SystemAPI::reset_events(self);
                records
                    .into_iter()
                    .filter_map(|r| match r.event {
                        Event::Contracts(pallet_contracts::Event::ContractEmitted {
                            contract,
                            data,
                        }) => Some(ContractEvent {
                            contract: AccountId(*AsRef::<[u8; 32]>::as_ref(&contract)),
                            topics: r.topics.iter().map(|t| t.0).collect(),
                            data,
                        }),
                        _ => None,
                    })
                    .collect()
            }

            fn drop_events(&mut self) {
                SystemAPI::reset_events(self)
            }

            fn code_hash(&mut self, address: &AccountId) -> Option<[u8; 32]> {
                let address = sp_account(address);
                self.execute_with(|| {
                    pallet_contracts::Pallet::<$runtime>::code_hash(&address).map(|h| h.0)
                })
            }

            fn query_actor(&self) -> AccountId {
                let actor = <$sandbox as drink::Sandbox>::default_actor();
                AccountId(*AsRef::<[u8; 32]>::as_ref(&actor))
            }
        }
    };
}

sandbox_runtime!(
    MinimalSandbox,
    drink::minimal::MinimalSandboxRuntime,
    drink::minimal::RuntimeEvent
);
sandbox_runtime!(
    ProductionSandbox,
    super::production::ProductionRuntime,
    super::production::RuntimeEvent
);

/// A fresh runtime of `profile`.
pub(crate) fn new_runtime(profile: Profile) -> Box<dyn SandboxRuntime> {
    match profile {
        Profile::Dev => Box::new(MinimalSandbox::default()),
        Profile::Production => Box::new(ProductionSandbox::default()),
    }
}

/// The code hash the chain reports for `code`.
pub(crate) fn code_hash_of(code: &[u8]) -> [u8; 32] {
    blake2_256(code)
}
