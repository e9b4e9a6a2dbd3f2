//! Node errors as [`ChainError`]s: dispatch errors decoded by name through the chain's
//! metadata, the funds cases a user can act on, and the transaction pool's rejections.

use crate::error::ChainError;
use crate::primitives::RawDispatchError;
use crate::types::{hex0x, AccountId};
use subxt::error::{DispatchError, TokenError};
use subxt::tx::{TransactionInvalid, ValidationResult};
use subxt::Metadata;

/// Pallet errors that mean "the signer lacks funds".
const FUNDS_ERRORS: &[(&str, &str)] = &[
    // A transfer (e.g. `fund`) larger than the free balance.
    ("Balances", "InsufficientBalance"),
    // The origin cannot pay the storage deposit.
    ("Contracts", "StorageDepositNotEnoughFunds"),
    // The storage deposit exceeds the limit. This backend never sets a limit, and then
    // pallet-contracts limits the deposit by the origin's free balance: lacking funds.
    ("Contracts", "StorageDepositLimitExhausted"),
    // The origin cannot pay the value sent with a call (a payable message, e.g. a
    // deposit): at the top level this can only be the origin's balance.
    ("Contracts", "TransferFailed"),
];

/// An RPC or client error not covered by a more precise variant.
pub(crate) fn rpc(e: impl std::fmt::Display) -> ChainError {
    ChainError::Rpc(e.to_string())
}

/// A subxt error of a transaction signed by `who`: a dispatch error (decoded by subxt
/// through the metadata, e.g. by `wait_for_success`) as [`dispatch`] maps it, anything
/// else as an RPC error.
pub(crate) fn tx_error(e: subxt::Error, who: &AccountId) -> ChainError {
    match e {
        subxt::Error::Runtime(d) => dispatch(&d, who),
        other => rpc(other),
    }
}

/// A dispatch error of an operation by `who`: the funds cases as
/// [`ChainError::InsufficientFunds`], pallet errors as [`ChainError::Dispatch`] (pallet,
/// error and docs by name from the metadata), the others as
/// [`ChainError::DispatchOther`].
pub(crate) fn dispatch(e: &DispatchError, who: &AccountId) -> ChainError {
    let insufficient = |reason: String| ChainError::InsufficientFunds {
        who: who.clone(),
        reason,
    };
    match e {
        DispatchError::Module(m) => match m.details() {
            Ok(d) => {
                let pallet = d.pallet.name().to_string();
                let error = d.variant.name.clone();
                let docs = d.variant.docs.join(" ").trim().to_string();
                let funds = FUNDS_ERRORS.contains(&(pallet.as_str(), error.as_str()));
                let e = ChainError::Dispatch { pallet, error, docs };
                if funds {
                    insufficient(e.to_string())
                } else {
                    e
                }
            }
            // Not in the metadata: subxt's text says so and gives the raw indices.
            Err(_) => ChainError::DispatchOther(m.to_string()),
        },
        // A dry run by an account that holds nothing, or a transfer it cannot afford.
        DispatchError::Token(TokenError::FundsUnavailable)
        // A `transfer_keep_alive` that would take the sender below the existential
        // deposit.
        | DispatchError::Token(TokenError::NotExpendable) => insufficient(e.to_string()),
        other => ChainError::DispatchOther(other.to_string()),
    }
}

/// A dispatch error returned by a runtime API call (e.g. a dry run's result), decoded
/// through `metadata`.
pub(crate) fn raw_dispatch(
    raw: &RawDispatchError,
    metadata: Metadata,
    who: &AccountId,
) -> ChainError {
    match DispatchError::decode_from(&raw.0[..], metadata) {
        Ok(d) => dispatch(&d, who),
        Err(e) => ChainError::DispatchOther(format!(
            "dispatch error {} (not decodable with the chain's metadata: {e})",
            hex0x(&raw.0)
        )),
    }
}

/// A transaction the pool refused or dropped, with the node's `message`, and
/// `verdict`: the pool's validation of the same transaction
/// (`SubmittableExtrinsic::validate_at`, `None` if it could not be asked).
/// `InvalidTransaction::Payment` is the signer's lack of funds.
pub(crate) fn rejected(
    verdict: Option<&ValidationResult>,
    message: String,
    who: &AccountId,
) -> ChainError {
    let cannot_pay = match verdict {
        Some(ValidationResult::Invalid(TransactionInvalid::Payment)) => true,
        Some(ValidationResult::Invalid(_) | ValidationResult::Unknown(_)) => false,
        // Valid now (the pool's state moved on), or not asked: the node's text.
        Some(ValidationResult::Valid(_)) | None => node_text_says_cannot_pay(&message),
    };
    if cannot_pay {
        ChainError::InsufficientFunds {
            who: who.clone(),
            reason: message,
        }
    } else {
        ChainError::Rejected(message)
    }
}

/// The only place this backend reads a node's error *text*, used only when the typed
/// check ([`rejected`]'s `verdict`) is not available.
///
/// The transaction pool refuses a transaction whose signer cannot pay its fee with the
/// JSON-RPC error 1010 `Invalid Transaction`, whose data is the `Display` of
/// `sp_runtime::transaction_validity::InvalidTransaction::Payment`: "Inability to pay
/// some fees (e.g. account balance too low)". The typed way to learn it is to ask the
/// pool to validate the transaction (`TaggedTransactionQueue_validate_transaction` →
/// `TransactionInvalid::Payment`), which [`rejected`] prefers.
fn node_text_says_cannot_pay(message: &str) -> bool {
    message.contains("Inability to pay some fees")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use subxt::ext::frame_metadata::{
        v15::{
            CustomMetadata, ExtrinsicMetadata, OuterEnums, PalletErrorMetadata, PalletMetadata,
            RuntimeMetadataV15,
        },
        RuntimeMetadataPrefixed,
    };
    use subxt::tx::TransactionUnknown;

    /// Stand-ins for `sp_runtime`'s types, with the same variant names and shapes
    /// (what subxt's `DispatchError::decode_from` checks).
    #[allow(dead_code)]
    mod sp_runtime {
        use scale_info::TypeInfo;

        #[derive(TypeInfo)]
        pub enum DispatchError {
            Other,
            CannotLookup,
            BadOrigin,
            Module(ModuleError),
            ConsumerRemaining,
            NoProviders,
            TooManyConsumers,
            Token(TokenError),
            Arithmetic(ArithmeticError),
            Transactional(TransactionalError),
            Exhausted,
            Corruption,
            Unavailable,
            RootNotAllowed,
        }
        #[derive(TypeInfo)]
        pub struct ModuleError {
            pub index: u8,
            pub error: [u8; 4],
        }
        #[derive(TypeInfo)]
        pub enum TokenError {
            FundsUnavailable,
            OnlyProvider,
            BelowMinimum,
            CannotCreate,
            UnknownAsset,
            Frozen,
            Unsupported,
            CannotCreateHold,
            NotExpendable,
            Blocked,
        }
        #[derive(TypeInfo)]
        pub enum ArithmeticError {
            Underflow,
            Overflow,
            DivisionByZero,
        }
        #[derive(TypeInfo)]
        pub enum TransactionalError {
            LimitReached,
            NoLayer,
        }
    }

    /// The first errors of pallet-balances, in order.
    #[allow(dead_code)]
    #[derive(scale_info::TypeInfo)]
    enum BalancesError {
        VestingBalance,
        LiquidityRestrictions,
        InsufficientBalance,
    }

    /// Some errors of pallet-contracts (indices as in the tests below, not the pallet's).
    #[allow(dead_code)]
    #[derive(scale_info::TypeInfo)]
    enum ContractsError {
        ContractTrapped,
        StorageDepositNotEnoughFunds,
        StorageDepositLimitExhausted,
        ContractReverted,
    }

    pub(crate) const BALANCES: u8 = 10;
    pub(crate) const CONTRACTS: u8 = 40;

    /// Metadata with pallets Balances (index 10) and Contracts (40), and the runtime's
    /// `DispatchError`.
    pub(crate) fn metadata() -> Metadata {
        use scale_info::meta_type;
        #[allow(dead_code)]
        #[derive(scale_info::TypeInfo)]
        enum RuntimeCall {
            System,
        }
        let pallet = |name, index, error| PalletMetadata {
            name,
            storage: None,
            calls: None,
            event: None,
            constants: vec![],
            error: Some(PalletErrorMetadata { ty: error }),
            index,
            docs: vec![],
        };
        let mut m = RuntimeMetadataV15::new(
            vec![
                pallet("Balances", BALANCES, meta_type::<BalancesError>()),
                pallet("Contracts", CONTRACTS, meta_type::<ContractsError>()),
            ],
            ExtrinsicMetadata {
                version: 4,
                signed_extensions: vec![],
                address_ty: meta_type::<()>(),
                call_ty: meta_type::<RuntimeCall>(),
                signature_ty: meta_type::<()>(),
                extra_ty: meta_type::<()>(),
            },
            // (Stands in for the runtime type, only to put DispatchError in the registry.)
            meta_type::<sp_runtime::DispatchError>(),
            vec![],
            OuterEnums {
                call_enum_ty: meta_type::<RuntimeCall>(),
                event_enum_ty: meta_type::<()>(),
                error_enum_ty: meta_type::<()>(),
            },
            CustomMetadata {
                map: Default::default(),
            },
        );
        // subxt finds the dispatch error by its path.
        for t in &mut m.types.types {
            if t.ty.path.segments.last().map(String::as_str) == Some("DispatchError") {
                t.ty.path.segments = vec!["sp_runtime".into(), "DispatchError".into()];
            }
        }
        Metadata::try_from(RuntimeMetadataPrefixed::from(m)).expect("test metadata")
    }

    fn who() -> AccountId {
        AccountId([7; 32])
    }

    fn decoded(bytes: &[u8]) -> ChainError {
        raw_dispatch(&RawDispatchError(bytes.to_vec()), metadata(), &who())
    }

    #[test]
    fn a_pallet_error_is_named_from_the_metadata() {
        match decoded(&[3, CONTRACTS, 3, 0, 0, 0]) {
            ChainError::Dispatch { pallet, error, .. } => {
                assert_eq!(
                    (pallet.as_str(), error.as_str()),
                    ("Contracts", "ContractReverted")
                )
            }
            e => panic!("{e:?}"),
        }
        assert_eq!(
            decoded(&[3, CONTRACTS, 0, 0, 0, 0]).to_string(),
            "Contracts::ContractTrapped"
        );
    }

    #[test]
    fn the_funds_errors_say_whom_to_fund() {
        for (bytes, reason) in [
            (
                vec![3, BALANCES, 2, 0, 0, 0],
                "Balances::InsufficientBalance",
            ),
            (
                vec![3, CONTRACTS, 1, 0, 0, 0],
                "Contracts::StorageDepositNotEnoughFunds",
            ),
            (
                vec![3, CONTRACTS, 2, 0, 0, 0],
                "Contracts::StorageDepositLimitExhausted",
            ),
            (vec![7, 0], "Token error: Funds are unavailable."),
        ] {
            match decoded(&bytes) {
                ChainError::InsufficientFunds { who: w, reason: r } => {
                    assert_eq!(w, who());
                    assert_eq!(r, reason);
                }
                e => panic!("{bytes:?}: {e:?}"),
            }
        }
        let text = decoded(&[7, 0]).to_string();
        assert!(
            text.starts_with(&format!("insufficient funds: {} cannot pay", who())),
            "{text}"
        );
        assert!(
            text.ends_with("; fund it, or pick another --suri"),
            "{text}"
        );
    }

    #[test]
    fn a_failed_extrinsics_error_decodes_before_its_dispatch_info() {
        // `System::ExtrinsicFailed { dispatch_error, dispatch_info }`'s field bytes, as
        // subxt's `wait_for_success` decodes them.
        let fields = [3, CONTRACTS, 1, 0, 0, 0, 0x04, 0x08, 0, 0];
        let d = DispatchError::decode_from(&fields[..], metadata()).unwrap();
        let e = tx_error(subxt::Error::Runtime(d), &who());
        assert!(e.is_insufficient_funds(), "{e:?}");
    }

    #[test]
    fn other_dispatch_errors_keep_subxts_text() {
        assert_eq!(decoded(&[2]).to_string(), "Bad origin.");
        assert_eq!(decoded(&[8, 1]).to_string(), "Arithmetic error: Overflow.");
        // A pallet the metadata does not have.
        assert!(matches!(
            decoded(&[3, 99, 0, 0, 0, 0]),
            ChainError::DispatchOther(_)
        ));
    }

    #[test]
    fn the_pools_payment_verdict_is_insufficient_funds() {
        let msg = || "Invalid Transaction (1010): Inability to pay some fees".to_string();
        let payment = ValidationResult::Invalid(TransactionInvalid::Payment);
        let stale = ValidationResult::Invalid(TransactionInvalid::Stale);
        let unknown = ValidationResult::Unknown(TransactionUnknown::CannotLookup);
        assert!(rejected(Some(&payment), "anything".into(), &who()).is_insufficient_funds());
        // Another verdict wins over the text.
        assert!(!rejected(Some(&stale), msg(), &who()).is_insufficient_funds());
        assert!(!rejected(Some(&unknown), msg(), &who()).is_insufficient_funds());
        // Without a verdict, the node's text decides.
        assert!(rejected(None, msg(), &who()).is_insufficient_funds());
        let other = rejected(None, "Transaction is outdated".into(), &who());
        assert_eq!(
            other.to_string(),
            "transaction rejected: Transaction is outdated"
        );
    }

    #[test]
    fn the_node_text_check_knows_the_pools_payment_error() {
        // As jsonrpsee shows the node's error 1010.
        assert!(node_text_says_cannot_pay(
            "Rpc error: RPC error: ErrorObject { code: ServerError(1010), message: \
             \"Invalid Transaction\", data: Some(RawValue(\"Inability to pay some fees \
             (e.g. account balance too low)\")) }"
        ));
        assert!(!node_text_says_cannot_pay(
            "Invalid Transaction: Transaction is outdated"
        ));
    }
}
