//! Liveness and readiness, for the load balancer and the orchestrator.

use std::time::Duration;

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::json::Json;
use super::problem::{ApiError, Failure, statuses};
use super::schema::Health;
use crate::store::Store;

/// Readiness fails when the database takes longer than this to answer.
const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

statuses! {
    ReadyFailures = [503];
}

#[derive(ApiResponse)]
enum HealthResponse {
    /// `{"status":"ok"}`.
    #[oai(status = 200)]
    Ok(Json<Health>),
}

fn ok() -> HealthResponse {
    HealthResponse::Ok(Json(Health {
        status: "ok".to_owned(),
    }))
}

pub struct HealthApi;

#[OpenApi(tag = "ApiTags::Operations")]
impl HealthApi {
    /// Liveness
    ///
    /// 200 while the process serves; never touches the database (the ALB health check).
    #[oai(path = "/healthz", method = "get", operation_id = "healthz")]
    async fn healthz(&self) -> HealthResponse {
        ok()
    }

    /// Readiness
    ///
    /// 200 when the database answers within 2 s and every migration is applied; else 503.
    #[oai(path = "/readyz", method = "get", operation_id = "readyz")]
    async fn readyz(&self, store: Data<&Store>) -> Result<HealthResponse, Failure<ReadyFailures>> {
        let check = async {
            store.ping().await.map_err(|err| err.to_string())?;
            store
                .migrations_applied()
                .await
                .map_err(|err| err.to_string())
        };
        match tokio::time::timeout(READINESS_TIMEOUT, check).await {
            Ok(Ok(true)) => Ok(ok()),
            Ok(Ok(false)) => Err(ApiError::Http {
                status: poem::http::StatusCode::SERVICE_UNAVAILABLE,
                detail: "migrations are pending".to_owned(),
            }
            .into()),
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "readiness check failed");
                Err(ApiError::Unavailable.into())
            }
            Err(_) => Err(ApiError::Unavailable.into()),
        }
    }
}
