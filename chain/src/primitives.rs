//! Our own copy of the few pallet-contracts RPC types the node backend SCALE-encodes
//! and decodes: the arguments of the `ContractsApi_call` / `ContractsApi_instantiate`
//! runtime API calls and their results. cargo-contract does the same
//! (`crates/extrinsics/src/pallet_contracts_primitives.rs`), so that a client does not
//! link pallet-contracts and the FRAME runtime.
//!
//! The layouts are those of pallet-contracts (polkadot-sdk 1.x, `ContractsApi` v2), as
//! substrate-contracts-node and the contracts parachains run it. The tests pin them
//! byte by byte.

use crate::types::{AccountId, Balance, CodeHash, Weight};
use scale::{Decode, Encode, Input};

/// The arguments of `ContractsApi_call` (pallet-contracts-rpc's `CallRequest`, in SCALE).
#[derive(Clone, Debug, PartialEq, Eq, Encode)]
pub struct CallRequest {
    pub origin: AccountId,
    pub dest: AccountId,
    pub value: Balance,
    /// `None`: as much as a block allows (a dry run measures what it needs).
    pub gas_limit: Option<Weight>,
    /// `None`: limited by the origin's free balance only.
    pub storage_deposit_limit: Option<Balance>,
    pub input_data: Vec<u8>,
}

/// The arguments of `ContractsApi_instantiate`.
#[derive(Clone, Debug, PartialEq, Eq, Encode)]
pub struct InstantiateRequest {
    pub origin: AccountId,
    pub value: Balance,
    pub gas_limit: Option<Weight>,
    pub storage_deposit_limit: Option<Balance>,
    pub code: Code,
    pub data: Vec<u8>,
    pub salt: Vec<u8>,
}

/// The code of an instantiation: uploaded with it, or already on chain.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Code {
    /// A Wasm module as raw bytes.
    Upload(Vec<u8>),
    /// The hash of a Wasm module on chain.
    Existing(CodeHash),
}

/// Result of `ContractsApi_call` and `ContractsApi_instantiate`: the execution result
/// and what it cost.
///
/// pallet-contracts appends `events: Option<Vec<EventRecord>>` (always `None` for the
/// runtime API, which does not collect events); decoding ignores any trailing bytes,
/// as cargo-contract does, so that field needs no copy of the runtime's event type.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ContractResult<R> {
    /// The weight the execution consumed.
    pub gas_consumed: Weight,
    /// The weight to give as gas limit to execute it on chain (can exceed
    /// `gas_consumed`: pre-charged weight).
    pub gas_required: Weight,
    /// The storage deposit charged to (or refunded to) the origin.
    pub storage_deposit: StorageDeposit,
    /// The contracts' debug buffer (UTF-8; filled only by debug builds of a contract
    /// on a chain that allows it).
    pub debug_message: Vec<u8>,
    pub result: R,
}

/// Result of `ContractsApi_call`.
pub type ContractExecResult = ContractResult<Result<ExecReturnValue, RawDispatchError>>;

/// Result of `ContractsApi_instantiate`.
pub type ContractInstantiateResult =
    ContractResult<Result<InstantiateReturnValue, RawDispatchError>>;

/// The output of a call or constructor that ran to completion (it may have reverted).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ExecReturnValue {
    /// The flags given to `seal_return` (empty if it was never called).
    pub flags: ReturnFlags,
    /// The buffer given to `seal_return` (for ink: the SCALE-encoded
    /// `Result<_, LangError>` envelope).
    pub data: Vec<u8>,
}

impl ExecReturnValue {
    /// True if the contract reverted its state changes.
    pub fn did_revert(&self) -> bool {
        self.flags.reverted()
    }
}

/// `seal_return`'s flags (pallet-contracts-uapi's `ReturnFlags`, a `u32` bit set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct ReturnFlags(pub u32);

impl ReturnFlags {
    /// The only flag defined: the contract reverted its state changes.
    pub const REVERT: u32 = 0x0000_0001;

    pub fn reverted(self) -> bool {
        self.0 & Self::REVERT != 0
    }
}

/// A constructor that ran to completion, and the new contract's address.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct InstantiateReturnValue {
    pub result: ExecReturnValue,
    pub account_id: AccountId,
}

/// The storage deposit of an execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum StorageDeposit {
    /// Storage shrank: the deposit returned to the origin.
    Refund(Balance),
    /// Storage grew: the deposit taken from the origin.
    Charge(Balance),
}

impl StorageDeposit {
    /// Positive: charged; negative: refunded (saturating at `i128`'s bounds).
    pub fn signed(self) -> i128 {
        match self {
            StorageDeposit::Charge(c) => i128::try_from(c).unwrap_or(i128::MAX),
            StorageDeposit::Refund(r) => i128::try_from(r).map_or(i128::MIN, |r| -r),
        }
    }
}

/// An `sp_runtime::DispatchError`, kept as its SCALE bytes: the node backend decodes
/// it by name through the chain's metadata
/// (`subxt::error::DispatchError::decode_from`), so this copy only needs to know where
/// it ends. Its layout (an enum index, then the fields of five variants) has been the
/// same since `Module` grew to 5 bytes (substrate 2022).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawDispatchError(pub Vec<u8>);

impl RawDispatchError {
    /// How many bytes follow the variant index `variant`; `None` for an index this copy
    /// does not know.
    fn fields_len(variant: u8) -> Option<usize> {
        match variant {
            // Other, CannotLookup, BadOrigin
            0..=2 => Some(0),
            // Module(ModuleError { index: u8, error: [u8; 4] })
            3 => Some(5),
            // ConsumerRemaining, NoProviders, TooManyConsumers
            4..=6 => Some(0),
            // Token(TokenError), Arithmetic(ArithmeticError), Transactional(TransactionalError)
            7..=9 => Some(1),
            // Exhausted, Corruption, Unavailable, RootNotAllowed
            10..=13 => Some(0),
            // Trie(TrieError) (polkadot-sdk 1.3+)
            14 => Some(1),
            _ => None,
        }
    }
}

impl Encode for RawDispatchError {
    fn size_hint(&self) -> usize {
        self.0.len()
    }
    fn encode_to<O: scale::Output + ?Sized>(&self, dest: &mut O) {
        dest.write(&self.0);
    }
}

impl Decode for RawDispatchError {
    fn decode<I: Input>(input: &mut I) -> Result<Self, scale::Error> {
        let variant = input.read_byte()?;
        let len = Self::fields_len(variant)
            .ok_or("unknown DispatchError variant (a runtime newer than this client?)")?;
        let mut bytes = vec![0u8; 1 + len];
        bytes[0] = variant;
        input.read(&mut bytes[1..])?;
        Ok(RawDispatchError(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> AccountId {
        AccountId([0xa1; 32])
    }

    /// The bytes a node returns for a call that returned `0x00aa` (ink: `Ok(0xaa)`),
    /// built field by field from pallet-contracts' layout.
    fn exec_result_bytes(flags: u32, trailing: &[u8]) -> Vec<u8> {
        let mut b = vec![];
        b.extend([0x04, 0x08]); // gas_consumed: compact 1, compact 2
        b.extend([0xa1, 0x0f, 0x10]); // gas_required: compact 1000, compact 4
        b.push(1); // StorageDeposit::Charge
        b.extend(5u128.to_le_bytes());
        b.extend([0x08, b'o', b'k']); // debug_message: "ok"
        b.push(0); // Ok
        b.extend(flags.to_le_bytes());
        b.extend([0x08, 0x00, 0xaa]); // data
        b.extend(trailing);
        b
    }

    #[test]
    fn an_exec_result_decodes_from_the_nodes_layout_ignoring_the_events_field() {
        // Trailing `events: None`.
        let r = ContractExecResult::decode(&mut &exec_result_bytes(0, &[0])[..]).unwrap();
        assert_eq!(
            r.gas_consumed,
            Weight {
                ref_time: 1,
                proof_size: 2
            }
        );
        assert_eq!(
            r.gas_required,
            Weight {
                ref_time: 1000,
                proof_size: 4
            }
        );
        assert_eq!(r.storage_deposit, StorageDeposit::Charge(5));
        assert_eq!(r.storage_deposit.signed(), 5);
        assert_eq!(r.debug_message, b"ok");
        let ok = r.result.unwrap();
        assert!(!ok.did_revert());
        assert_eq!(ok.data, [0x00, 0xaa]);

        let reverted = ContractExecResult::decode(&mut &exec_result_bytes(1, &[])[..]).unwrap();
        assert!(reverted.result.unwrap().did_revert());
    }

    #[test]
    fn a_dispatch_error_is_cut_at_its_end() {
        let mut head = exec_result_bytes(0, &[]);
        let result_at = head.len() - 8;
        head.truncate(result_at);
        let with = |error: &[u8]| {
            let mut b = head.clone();
            b.push(1); // Err
            b.extend(error);
            b.push(0); // events: None
            ContractExecResult::decode(&mut &b[..]).map(|r| r.result)
        };
        // Module(Contracts index 8, error 26, 3 spare bytes)
        assert_eq!(
            with(&[3, 8, 26, 0, 0, 0]).unwrap(),
            Err(RawDispatchError(vec![3, 8, 26, 0, 0, 0]))
        );
        // Token(FundsUnavailable)
        assert_eq!(with(&[7, 0]).unwrap(), Err(RawDispatchError(vec![7, 0])));
        // BadOrigin
        assert_eq!(with(&[2]).unwrap(), Err(RawDispatchError(vec![2])));
        assert!(with(&[99]).is_err());
        // Round trip.
        let e = RawDispatchError(vec![3, 8, 26, 0, 0, 0]);
        assert_eq!(RawDispatchError::decode(&mut &e.encode()[..]).unwrap(), e);
    }

    #[test]
    fn an_instantiate_result_carries_the_address_after_the_output() {
        let mut b = exec_result_bytes(0, &[]);
        b.extend([0xc0; 32]);
        b.push(0);
        let r = ContractInstantiateResult::decode(&mut &b[..]).unwrap();
        let ok = r.result.unwrap();
        assert_eq!(ok.account_id, AccountId([0xc0; 32]));
        assert_eq!(ok.result.data, [0x00, 0xaa]);
    }

    #[test]
    fn a_refund_is_negative() {
        assert_eq!(StorageDeposit::Refund(7).signed(), -7);
        assert_eq!(StorageDeposit::Charge(u128::MAX).signed(), i128::MAX);
        let b = StorageDeposit::Refund(7).encode();
        assert_eq!(b[0], 0);
        assert_eq!(b.len(), 17);
    }

    #[test]
    fn a_call_request_encodes_as_the_runtime_api_expects() {
        let req = CallRequest {
            origin: alice(),
            dest: AccountId([0xde; 32]),
            value: 3,
            gas_limit: None,
            storage_deposit_limit: None,
            input_data: vec![0x12, 0x34],
        };
        let mut want = vec![0xa1; 32];
        want.extend([0xde; 32]);
        want.extend(3u128.to_le_bytes());
        want.extend([0, 0]); // None, None
        want.extend([0x08, 0x12, 0x34]);
        assert_eq!(req.encode(), want);

        let limited = CallRequest {
            gas_limit: Some(Weight {
                ref_time: 1,
                proof_size: 2,
            }),
            storage_deposit_limit: Some(9),
            ..req
        };
        let b = limited.encode();
        assert_eq!(&b[80..83], &[1, 0x04, 0x08]);
        assert_eq!(b[83], 1);
        assert_eq!(&b[84..100], &9u128.to_le_bytes());
    }

    #[test]
    fn an_instantiate_request_encodes_the_code_as_upload_or_hash() {
        let req = |code| InstantiateRequest {
            origin: alice(),
            value: 0,
            gas_limit: None,
            storage_deposit_limit: None,
            code,
            data: vec![0x9b],
            salt: vec![],
        };
        let upload = req(Code::Upload(vec![0, 0x61, 0x73, 0x6d])).encode();
        let mut want = vec![0xa1; 32];
        want.extend(0u128.to_le_bytes());
        want.extend([0, 0]);
        want.extend([0, 0x10, 0, 0x61, 0x73, 0x6d]); // Upload(4 bytes)
        want.extend([0x04, 0x9b, 0x00]); // data, salt
        assert_eq!(upload, want);

        let existing = req(Code::Existing([0xee; 32])).encode();
        assert_eq!(existing[50], 1);
        assert_eq!(&existing[51..83], &[0xee; 32]);
    }
}
