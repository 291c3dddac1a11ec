//! The whole v1 API through the generated Rust client (`clients/rust`, progenitor) against the
//! real server: list, create, get with ETag (and 304), conditional put, adjust, delete, and the
//! problem errors as typed values.

use std::num::NonZeroU32;

use products_api_client::{ApiError, Client, DecodeProblems, etag, types};

use crate::both;
use crate::helpers::spawn_app;

/// A name that needs percent-encoding in a path: `/`, `%`, `?`, `#`, a space, non-ASCII.
const NAME: &str = "rust/client 100% ü?#";

fn client(app: &crate::helpers::TestApp) -> Client {
    Client::new(&app.url(""))
}

/// Unwraps a problem error with `status`, returning the problem document.
#[track_caller]
fn problem(result: Result<impl std::fmt::Debug, ApiError>, status: u16) -> types::Problem {
    match result {
        Err(ApiError::Problem {
            status: got,
            headers,
            problem,
        }) => {
            assert_eq!(got.as_u16(), status, "status of {problem:?}");
            assert_eq!(problem.status, status);
            assert_eq!(headers["content-type"], "application/problem+json");
            problem
        }
        other => panic!("expected a {status} problem, got {other:?}"),
    }
}

both!(drives_the_v1_api, |backend| async move {
    let app = spawn_app(backend).await;
    let client = client(&app);

    // An empty list, and the last page says so.
    let page = client.list_products().send().problems().await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.next_after, None);

    // Create: 201, Location, ETag "1".
    let created = client
        .create_product()
        .body(types::NewProduct::builder().name(NAME).quantity(4))
        .send()
        .problems()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(etag(&created), Some("\"1\""));
    assert_eq!(
        created.headers()["location"],
        "/v1/products/rust%2Fclient%20100%25%20%C3%BC%3F%23"
    );
    let product = created.into_inner();
    assert_eq!(
        (product.name.as_str(), product.quantity, product.version),
        (NAME, 4, 1)
    );

    // A second create is a 409 problem.
    let conflict = client
        .create_product()
        .body(types::NewProduct::builder().name(NAME).quantity(1))
        .send()
        .problems()
        .await;
    let conflict = problem(conflict, 409);
    assert_eq!(conflict.type_, "urn:products-api:problem:already-exists");

    // A rule the client does not check (the quantity range) comes back as a 422 naming the field.
    let negative = client
        .create_product()
        .body(types::NewProduct::builder().name("negative").quantity(-1))
        .send()
        .problems()
        .await;
    assert!(problem(negative, 422).detail.contains("quantity"));

    // The name rules are checked by the generated `ProductName` before anything is sent.
    let invalid = client.get_product().name(" padded").send().problems().await;
    assert!(
        matches!(
            invalid,
            Err(ApiError::Client(
                products_api_client::Error::InvalidRequest(_)
            ))
        ),
        "{invalid:?}"
    );

    // List with a page size, and a bad page size as a 400 problem.
    let page = client
        .list_products()
        .limit(NonZeroU32::new(1).unwrap())
        .send()
        .problems()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next_after.as_deref(), Some(NAME));
    let after = client
        .list_products()
        .after(NAME)
        .send()
        .problems()
        .await
        .unwrap();
    assert!(after.items.is_empty());
    let too_big = client
        .list_products()
        .limit(NonZeroU32::new(1001).unwrap())
        .send()
        .problems()
        .await;
    assert!(problem(too_big, 400).detail.contains("limit"));

    // Get: the product and its ETag; If-None-Match with that tag is 304.
    let got = client
        .get_product()
        .name(NAME)
        .send()
        .problems()
        .await
        .unwrap();
    let tag = etag(&got).unwrap().to_owned();
    assert_eq!(tag, "\"1\"");
    assert_eq!(got.into_inner().quantity, 4);
    let cached = client
        .get_product()
        .name(NAME)
        .if_none_match(tag.as_str())
        .send()
        .problems()
        .await;
    match cached {
        Err(ApiError::NotModified { etag }) => assert_eq!(etag.as_deref(), Some("\"1\"")),
        other => panic!("expected 304, got {other:?}"),
    }

    // Conditional put: the current tag replaces (200, version 2); the stale one is a 412 problem.
    let replaced = client
        .put_product()
        .name(NAME)
        .if_match(tag.as_str())
        .body(types::QuantityUpdate { quantity: 10 })
        .send()
        .problems()
        .await
        .unwrap();
    assert_eq!(replaced.status(), 200);
    assert_eq!(etag(&replaced), Some("\"2\""));
    assert_eq!(replaced.into_inner().quantity, 10);
    let stale = client
        .put_product()
        .name(NAME)
        .if_match(tag.as_str())
        .body(types::QuantityUpdate { quantity: 11 })
        .send()
        .problems()
        .await;
    assert_eq!(
        problem(stale, 412).type_,
        "urn:products-api:problem:precondition-failed"
    );
    let create_only = client
        .put_product()
        .name(NAME)
        .if_none_match("*")
        .body(types::QuantityUpdate { quantity: 11 })
        .send()
        .problems()
        .await;
    problem(create_only, 412);

    // Put without conditions on a new name creates it (201 with Location).
    let upserted = client
        .put_product()
        .name("upserted")
        .body(types::QuantityUpdate { quantity: 3 })
        .send()
        .problems()
        .await
        .unwrap();
    assert_eq!(upserted.status(), 201);
    assert_eq!(upserted.headers()["location"], "/v1/products/upserted");

    // Adjust: +5 then a decrease below zero is a 409 problem that changes nothing; 0 is a 422.
    let adjusted = client
        .adjust_product()
        .name(NAME)
        .body(types::Adjustment { delta: 5 })
        .send()
        .problems()
        .await
        .unwrap();
    assert_eq!(etag(&adjusted), Some("\"3\""));
    let adjusted = adjusted.into_inner();
    assert_eq!((adjusted.quantity, adjusted.version), (15, 3));
    let below = client
        .adjust_product()
        .name(NAME)
        .body(types::Adjustment { delta: -16 })
        .send()
        .problems()
        .await;
    assert_eq!(
        problem(below, 409).type_,
        "urn:products-api:problem:quantity-out-of-range"
    );
    let zero = client
        .adjust_product()
        .name(NAME)
        .body(types::Adjustment { delta: 0 })
        .send()
        .problems()
        .await;
    assert!(problem(zero, 422).detail.contains("delta"));
    let missing = client
        .adjust_product()
        .name("missing")
        .body(types::Adjustment { delta: 1 })
        .send()
        .problems()
        .await;
    problem(missing, 404);

    // Delete: a stale If-Match is 412, the current one 204; then get is a 404 problem.
    let stale = client
        .delete_product()
        .name(NAME)
        .if_match("\"1\"")
        .send()
        .problems()
        .await;
    problem(stale, 412);
    let deleted = client
        .delete_product()
        .name(NAME)
        .if_match("\"3\"")
        .send()
        .problems()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let gone = client.get_product().name(NAME).send().problems().await;
    assert_eq!(
        problem(gone, 404).type_,
        "urn:products-api:problem:not-found"
    );
    let again = client.delete_product().name(NAME).send().problems().await;
    problem(again, 404);

    // What is left, in code-point order.
    let names: Vec<String> = client
        .list_products()
        .send()
        .problems()
        .await
        .unwrap()
        .into_inner()
        .items
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["upserted"]);
});
