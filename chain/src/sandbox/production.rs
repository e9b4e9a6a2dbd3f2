//! An in-process runtime configured like a production chain running pallet-contracts
//! for ink! 5: Bittensor's subtensor (runtime `Contracts` pallet). drink's
//! `create_sandbox!` fixes every pallet-contracts setting, so this runtime is written
//! out here, after ink_sandbox 5.1.1's macro, with subtensor's values where they
//! matter to a contract:
//!
//! | setting | here (subtensor) | drink's default runtime |
//! |---|---|---|
//! | `UnsafeUnstableInterface` | `false` | `false` |
//! | `CallStack` | 5 frames | 5 frames |
//! | `MaxCodeLen` | 128 KiB | 123 KiB |
//! | existential deposit | 500 | 1 |
//! | `DepositPerItem` | 15 % of the ED = 75 | 1 |
//! | `DepositPerByte` | 6 % of the ED = 30 | 1 |
//! | `DefaultDepositLimit` | 1 024 items + 1 MiB | 10 000 000 |
//! | `CodeHashLockupDepositPercent` | 30 % | 0 % |
//! | `Schedule` runtime memory | 1 GiB | 128 MiB |
//!
//! Weights stay pallet-contracts 31's reference weights in both (a chain's own
//! benchmarks differ: docs/gas.md measures a node too). Unlike subtensor this runtime
//! has no chain extension and no call filter (ink! 5 contracts here use neither).

// The pallet configuration below follows `ink_sandbox::create_sandbox!` (5.1.1);
// `construct_runtime!` writes items without docs and `cfg(feature = "std")` blocks
// (this crate has no such feature: the runtime's genesis config is not used).
#![allow(missing_docs, unexpected_cfgs)]

use drink::pallet_contracts_debugging::DrinkDebug;
use frame_support::{
    construct_runtime, derive_impl, parameter_types,
    sp_runtime::{testing::H256, traits::Convert, AccountId32, Perbill},
    traits::{ConstBool, ConstU128, ConstU32, ConstU64, Currency, Randomness},
    weights::Weight,
};
use ink_sandbox::{pallet_balances, pallet_contracts, pallet_timestamp};

/// Subtensor's existential deposit (rao).
pub const EXISTENTIAL_DEPOSIT: u128 = 500;

/// Subtensor's contract deposits: 15 % of the ED per storage item, 6 % per byte.
pub const fn contract_deposit(items: u32, bytes: u32) -> u128 {
    let per_item = EXISTENTIAL_DEPOSIT * 15 / 100;
    let per_byte = EXISTENTIAL_DEPOSIT * 6 / 100;
    (items as u128) * per_item + (bytes as u128) * per_byte
}

construct_runtime!(
    pub enum ProductionRuntime {
        System: frame_system,
        Balances: pallet_balances,
        Timestamp: pallet_timestamp,
        Contracts: pallet_contracts,
    }
);

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig as frame_system::DefaultConfig)]
impl frame_system::Config for ProductionRuntime {
    type Block = frame_system::mocking::MockBlockU32<ProductionRuntime>;
    type Version = ();
    type BlockHashCount = ConstU32<250>;
    type AccountData = pallet_balances::AccountData<u128>;
}

impl pallet_balances::Config for ProductionRuntime {
    type RuntimeEvent = RuntimeEvent;
    type WeightInfo = ();
    type Balance = u128;
    type DustRemoval = ();
    type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
    type AccountStore = System;
    type ReserveIdentifier = [u8; 8];
    type FreezeIdentifier = ();
    type MaxLocks = ();
    type MaxReserves = ();
    type MaxFreezes = ();
    type RuntimeHoldReason = RuntimeHoldReason;
    type RuntimeFreezeReason = RuntimeFreezeReason;
}

impl pallet_timestamp::Config for ProductionRuntime {
    type Moment = u64;
    type OnTimestampSet = ();
    type MinimumPeriod = ConstU64<1>;
    type WeightInfo = ();
}

/// No randomness: ink! 5 contracts cannot ask for it (the host function is gone).
pub enum NoRandomness {}
impl Randomness<H256, u32> for NoRandomness {
    fn random(_subject: &[u8]) -> (H256, u32) {
        unreachable!("no contract of the suite asks for randomness")
    }
}

type BalanceOf = <Balances as Currency<AccountId32>>::Balance;
impl Convert<Weight, BalanceOf> for ProductionRuntime {
    fn convert(w: Weight) -> BalanceOf {
        w.ref_time().into()
    }
}

fn schedule() -> pallet_contracts::Schedule<ProductionRuntime> {
    pallet_contracts::Schedule {
        limits: pallet_contracts::Limits {
            runtime_memory: 1024 * 1024 * 1024,
            ..Default::default()
        },
        ..Default::default()
    }
}

parameter_types! {
    pub ProductionSchedule: pallet_contracts::Schedule<ProductionRuntime> = schedule();
    pub DepositPerItem: BalanceOf = contract_deposit(1, 0);
    pub DepositPerByte: BalanceOf = contract_deposit(0, 1);
    pub DefaultDepositLimit: BalanceOf = contract_deposit(1024, 1024 * 1024);
    pub CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
    pub MaxDelegateDependencies: u32 = 32;
}

impl pallet_contracts::Config for ProductionRuntime {
    type Time = Timestamp;
    type Randomness = NoRandomness;
    type Currency = Balances;
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type CallFilter = ();
    type WeightPrice = Self;
    type WeightInfo = ();
    type ChainExtension = ();
    type Schedule = ProductionSchedule;
    type CallStack = [pallet_contracts::Frame<Self>; 5];
    type DepositPerByte = DepositPerByte;
    type DepositPerItem = DepositPerItem;
    type AddressGenerator = pallet_contracts::DefaultAddressGenerator;
    type MaxCodeLen = ConstU32<{ 128 * 1024 }>;
    type MaxStorageKeyLen = ConstU32<128>;
    type UnsafeUnstableInterface = ConstBool<false>;
    type UploadOrigin = frame_system::EnsureSigned<Self::AccountId>;
    type InstantiateOrigin = frame_system::EnsureSigned<Self::AccountId>;
    type MaxDebugBufferLen = ConstU32<{ 2 * 1024 * 1024 }>;
    type Migrations = ();
    type DefaultDepositLimit = DefaultDepositLimit;
    type Debug = DrinkDebug;
    type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
    type MaxDelegateDependencies = MaxDelegateDependencies;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Environment = ();
    type Xcm = ();
    type ApiVersion = ();
}

/// The account the sandbox acts as when nobody is named (queries).
pub const DEFAULT_ACCOUNT: AccountId32 = AccountId32::new([1u8; 32]);

/// The production-like runtime as a drink sandbox.
pub struct ProductionSandbox {
    ext: ink_sandbox::TestExternalities,
}

impl Default for ProductionSandbox {
    fn default() -> Self {
        // The default actor starts with 10^6 existential deposits.
        let ext = ink_sandbox::BlockBuilder::<ProductionRuntime>::new_ext(vec![(
            DEFAULT_ACCOUNT,
            1_000_000 * EXISTENTIAL_DEPOSIT,
        )]);
        Self { ext }
    }
}

impl drink::Sandbox for ProductionSandbox {
    type Runtime = ProductionRuntime;

    fn execute_with<T>(&mut self, execute: impl FnOnce() -> T) -> T {
        self.ext.execute_with(execute)
    }

    fn dry_run<T>(&mut self, action: impl FnOnce(&mut Self) -> T) -> T {
        // As ink_sandbox's runtimes do: run, then restore the backend.
        let backup = self.ext.as_backend();
        let result = action(self);
        self.ext.commit_all().expect("commit the dry run's changes");
        self.ext.backend = backup;
        result
    }

    fn register_extension<E: core::any::Any + drink::sp_externalities::Extension>(
        &mut self,
        ext: E,
    ) {
        self.ext.register_extension(ext);
    }

    fn initialize_block(
        height: frame_system::pallet_prelude::BlockNumberFor<Self::Runtime>,
        parent_hash: <Self::Runtime as frame_system::Config>::Hash,
    ) {
        ink_sandbox::BlockBuilder::<Self::Runtime>::initialize_block(height, parent_hash)
    }

    fn finalize_block(
        height: frame_system::pallet_prelude::BlockNumberFor<Self::Runtime>,
    ) -> <Self::Runtime as frame_system::Config>::Hash {
        ink_sandbox::BlockBuilder::<Self::Runtime>::finalize_block(height)
    }

    fn default_actor() -> AccountId32 {
        DEFAULT_ACCOUNT
    }

    fn get_metadata() -> ink_sandbox::RuntimeMetadataPrefixed {
        ProductionRuntime::metadata()
    }

    fn convert_account_to_origin(account: AccountId32) -> RuntimeOrigin {
        Some(account).into()
    }

    fn take_snapshot(&mut self) -> ink_sandbox::Snapshot {
        let mut backend = self.ext.as_backend().clone();
        let storage = backend
            .backend_storage_mut()
            .drain()
            .into_iter()
            .filter(|(_, (_, r))| *r > 0)
            .collect();
        let storage_root = backend.root().to_owned();
        ink_sandbox::Snapshot {
            storage,
            storage_root,
        }
    }

    fn restore_snapshot(&mut self, snapshot: ink_sandbox::Snapshot) {
        self.ext = ink_sandbox::TestExternalities::from_raw_snapshot(
            snapshot.storage,
            snapshot.storage_root,
            Default::default(),
        );
    }
}
