//! Calls to the reputation contract that never copy its reply (issue 18, L4).
//!
//! ink 5's `try_invoke` hands the callee the rest of the contract's 16 KiB static
//! buffer for its output, and pallet-contracts copies a callee's output (a reverted
//! call's included) into that buffer or traps the *caller* with `OutputBufferTooSmall`.
//! So a reputation contract replying with more than the buffer holds, broken or
//! hostile, would make every claim, close and refund revert. Escrow needs no data from
//! a report, only whether it was accepted, so it calls with no output buffer (the
//! host's sentinel pointer: the reply is dropped unread) and reads the return code: a
//! callee that returned without reverting accepted the report (ink reverts a message
//! that returns `Err`); a revert, trap, or anything else is a failed report.

use ink::env::call::{Call, CallParams};
use ink::env::Environment;

/// Calls with `params` (callee, gas limits, flags, input: what ink's call builder
/// made) without reading the reply; true if the callee returned without reverting.
#[cfg(target_arch = "wasm32")]
pub fn accepted<E: Environment, Args: scale::Encode, R>(
    params: &CallParams<E, Call<E>, Args, R>,
) -> bool {
    use pallet_contracts_uapi::{HostFn as _, HostFnImpl};
    let callee = scale::Encode::encode(params.callee());
    let value = scale::Encode::encode(params.transferred_value());
    let input = scale::Encode::encode(params.exec_input());
    #[allow(deprecated)]
    let result = HostFnImpl::call_v2(
        *params.call_flags(),
        &callee,
        params.ref_time_limit(),
        params.proof_size_limit(),
        None,
        &value,
        &input,
        None,
    );
    result.is_ok()
}

/// Off chain (ink's test engine cannot call another contract): no report is accepted.
#[cfg(not(target_arch = "wasm32"))]
pub fn accepted<E: Environment, Args: scale::Encode, R>(
    _params: &CallParams<E, Call<E>, Args, R>,
) -> bool {
    false
}
