//! A typed contract message: the call bytes an ink! call builder produced, its label,
//! and the type its output decodes to.

use crate::error::ContractError;
use gb_chain::{AccountId, Balance, ContractCall};
use ink::env::{
    call::{
        utils::{ReturnType, Set, Unset},
        Call, CallBuilder, CreateBuilder, ExecutionInput, LimitParamsV2,
    },
    DefaultEnvironment, Environment,
};
use scale::{Decode, Encode};
use std::marker::PhantomData;

type E = DefaultEnvironment;

/// A call builder with everything set, as the contracts' generated call builders
/// return it for a message.
pub type CallBuilderFinal<Args, R> =
    CallBuilder<E, Set<Call<E>>, Set<ExecutionInput<Args>>, Set<ReturnType<R>>>;

/// A constructor's create builder as the generated `…Ref::new(…)` returns it.
pub type CreateBuilderPartial<Ref, Args, R> = CreateBuilder<
    E,
    Ref,
    Unset<<E as Environment>::Hash>,
    Set<LimitParamsV2<E>>,
    Unset<<E as Environment>::Balance>,
    Set<ExecutionInput<Args>>,
    Unset<ink::env::call::state::Salt>,
    Set<ReturnType<R>>,
>;

/// What a message's output means: `Value` on success, or the contract's own error.
/// Implemented for `Result<T, E>` of each contract's `Error`, and for [`Infallible`]
/// (reads that cannot fail).
pub trait Outcome: Decode {
    type Value;
    fn into_value(self) -> Result<Self::Value, ContractError>;
}

impl<T: Decode> Outcome for Result<T, registry::Error> {
    type Value = T;
    fn into_value(self) -> Result<T, ContractError> {
        self.map_err(ContractError::Registry)
    }
}

impl<T: Decode> Outcome for Result<T, escrow::errors::Error> {
    type Value = T;
    fn into_value(self) -> Result<T, ContractError> {
        self.map_err(ContractError::Escrow)
    }
}

impl<T: Decode> Outcome for Result<T, reputation::Error> {
    type Value = T;
    fn into_value(self) -> Result<T, ContractError> {
        self.map_err(ContractError::Reputation)
    }
}

/// The output of a message that cannot fail (a read): decodes as `T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Infallible<T>(pub T);

impl<T: Decode> Decode for Infallible<T> {
    fn decode<I: scale::Input>(input: &mut I) -> Result<Self, scale::Error> {
        T::decode(input).map(Infallible)
    }
}

impl<T: Decode> Outcome for Infallible<T> {
    type Value = T;
    fn into_value(self) -> Result<T, ContractError> {
        Ok(self.0)
    }
}

/// A message call of a contract whose output is `O` (see [`Outcome`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<O> {
    /// `contract::message`, for errors and the gas report.
    pub label: &'static str,
    pub call: ContractCall,
    _output: PhantomData<fn() -> O>,
}

impl<O> Message<O> {
    /// Sends `value` with the call (payable messages).
    pub fn with_value(mut self, value: Balance) -> Self {
        self.call.value = value;
        self
    }
}

impl<T> Message<Infallible<T>> {
    /// The message a read's call builder describes.
    pub fn read<Args: Encode>(
        label: &'static str,
        contract: &AccountId,
        builder: CallBuilderFinal<Args, T>,
    ) -> Self {
        Message {
            label,
            call: call_of(contract, builder),
            _output: PhantomData,
        }
    }
}

impl<O: Outcome> Message<O> {
    /// The message a fallible message's call builder describes (its return type is a
    /// contract's `Result<_, Error>`).
    pub fn fallible<Args: Encode>(
        label: &'static str,
        contract: &AccountId,
        builder: CallBuilderFinal<Args, O>,
    ) -> Self {
        Message {
            label,
            call: call_of(contract, builder),
            _output: PhantomData,
        }
    }
}

fn call_of<Args: Encode, R>(
    contract: &AccountId,
    builder: CallBuilderFinal<Args, R>,
) -> ContractCall {
    let params = builder.params();
    ContractCall {
        contract: contract.clone(),
        data: params.exec_input().encode(),
        value: *params.transferred_value(),
    }
}

/// A constructor call: its input bytes (selector ‖ arguments) and label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constructor {
    pub label: &'static str,
    pub data: Vec<u8>,
}

impl Constructor {
    /// The input a generated `…Ref::new(…)` create builder describes.
    pub fn of<Ref, Args: Encode, R>(
        label: &'static str,
        builder: CreateBuilderPartial<Ref, Args, R>,
    ) -> Self {
        // Only the input is used; the other parameters are placeholders.
        let data = builder
            .endowment(0)
            .code_hash(Default::default())
            .salt_bytes(Vec::<u8>::new())
            .params()
            .exec_input()
            .encode();
        Constructor { label, data }
    }
}

/// The typed-messages handle of a contract at an address: the struct, `at`, `address`,
/// and `builder()`, the contract's generated ink! call builder for that address.
macro_rules! contract_api {
    ($(#[$doc:meta])* $name:ident, $contract:ty) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name {
            address: gb_chain::AccountId,
        }

        impl $name {
            pub fn at(address: gb_chain::AccountId) -> Self {
                $name { address }
            }

            pub fn address(&self) -> &gb_chain::AccountId {
                &self.address
            }

            fn builder(&self) -> <$contract as ink::codegen::ContractCallBuilder>::Type {
                <<$contract as ink::codegen::ContractCallBuilder>::Type as ink::env::call::FromAccountId<
                    ink::env::DefaultEnvironment,
                >>::from_account_id(crate::account::ink_account(&self.address))
            }
        }
    };
}
pub(crate) use contract_api;
