//! A model as an HTTP service: the upstream a provider's gateway sits in front of.
//!
//! ```text
//! POST /predict   {"features": [17.99, 10.38, …]}  →  200 {"answer": {"class": 1}}
//! GET  /health                                      →  200 ok
//! ```
//! A malformed request is `400` with a plain-text reason; a [`Behaviour::StopsAfter`]
//! service answers `503` once it has stopped.

use crate::datasets::Label;
use crate::models::Model;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::net::TcpListener;

/// The request body of `POST /predict`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PredictRequest {
    pub features: Vec<f64>,
}

/// The response body of `POST /predict`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PredictResponse {
    pub answer: Label,
}

/// How a service behaves besides its model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Behaviour {
    /// Answers every request with its model.
    Honest,
    /// Answers the first `calls` requests, then only `503` (a service that takes the
    /// market's trust and stops serving).
    StopsAfter { calls: u64 },
}

/// What a service counts: requests received and requests answered (`200`).
#[derive(Debug, Default)]
pub struct Counters {
    pub received: AtomicU64,
    pub answered: AtomicU64,
}

impl Counters {
    /// Requests answered with a prediction.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }
}

struct Service {
    model: Model,
    behaviour: Behaviour,
    counters: Arc<Counters>,
}

/// The router of a model service (for tests and for [`serve`]).
pub fn router(model: Model, behaviour: Behaviour) -> Router {
    router_counting(model, behaviour, Arc::default())
}

fn router_counting(model: Model, behaviour: Behaviour, counters: Arc<Counters>) -> Router {
    let state = Arc::new(Service {
        model,
        behaviour,
        counters,
    });
    Router::new()
        .route("/predict", post(predict))
        .route("/health", get(|| async { "ok" }))
        .with_state(state)
}

async fn predict(
    State(service): State<Arc<Service>>,
    Json(request): Json<PredictRequest>,
) -> Result<Json<PredictResponse>, (StatusCode, String)> {
    let n = service.counters.received.fetch_add(1, Ordering::Relaxed);
    if let Behaviour::StopsAfter { calls } = service.behaviour {
        if n >= calls {
            return Err((
                StatusCode::SERVICE_UNAVAILABLE,
                "this service stopped answering".into(),
            ));
        }
    }
    // k-NN on the digits takes a few ms: keep it off the async workers.
    let model_service = service.clone();
    let answer =
        tokio::task::spawn_blocking(move || model_service.model.predict(&request.features))
            .await
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
            .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
    service.counters.answered.fetch_add(1, Ordering::Relaxed);
    Ok(Json(PredictResponse { answer }))
}

/// A running model service on loopback.
pub struct Upstream {
    pub addr: SocketAddr,
    pub counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
}

impl Upstream {
    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `model` on a free loopback port until the returned [`Upstream`] is dropped.
pub async fn serve(model: Model, behaviour: Behaviour) -> std::io::Result<Upstream> {
    let counters = Arc::new(Counters::default());
    let app = router_counting(model, behaviour, counters.clone());
    serve_router(app, counters).await
}

/// Serves `app` (counting into `counters`) on a free loopback port until the returned
/// [`Upstream`] is dropped.
pub async fn serve_router(app: Router, counters: Arc<Counters>) -> std::io::Result<Upstream> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("model service on {addr} stopped: {e}");
        }
    });
    Ok(Upstream {
        addr,
        counters,
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datasets::Task;
    use crate::models::ModelSpec;

    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn post(app: &Router, body: &str) -> (u16, String) {
        let request = Request::post("/predict")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("a request");
        let response = app.clone().oneshot(request).await.expect("answers");
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn predict_answers_with_the_model_and_stops_when_told() {
        let split = Task::BreastCancer.split(7, 0.6);
        let model = Model::train(ModelSpec::Knn { k: 5 }, &split.train, 1).expect("trains");
        let expected = model.predict(&split.test[0].features).expect("answers");
        let app = router(model, Behaviour::StopsAfter { calls: 1 });
        let body = serde_json::to_string(&PredictRequest {
            features: split.test[0].features.clone(),
        })
        .expect("json");
        let (status, text) = post(&app, &body).await;
        assert_eq!(status, 200, "{text}");
        let got: PredictResponse = serde_json::from_str(&text).expect("a prediction");
        assert_eq!(got.answer, expected);
        let (status, _) = post(&app, &body).await;
        assert_eq!(status, 503, "stopped after one call");
    }

    #[tokio::test]
    async fn a_request_with_too_few_features_is_400() {
        let split = Task::BreastCancer.split(7, 0.6);
        let model = Model::train(ModelSpec::NaiveBayes, &split.train, 1).expect("trains");
        let app = router(model, Behaviour::Honest);
        let (status, text) = post(&app, r#"{"features":[1.0]}"#).await;
        assert_eq!(status, 400);
        assert!(text.contains("30 features"), "{text}");
    }
}
