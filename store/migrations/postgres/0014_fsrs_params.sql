-- FSRS weights fitted to the deployment's own answers by
-- "huddlebot spacing fit" (issue 18). The newest row is the one in use; older
-- rows are kept as a record of each fit.
CREATE TABLE fsrs_params (
    id          BIGSERIAL PRIMARY KEY,
    params      TEXT NOT NULL,   -- JSON array of the 21 weights w0..w20
    reviews     INTEGER NOT NULL, -- scored reviews the fit used
    loss_before DOUBLE PRECISION NOT NULL, -- log loss with the weights in use before
    loss_after  DOUBLE PRECISION NOT NULL, -- log loss with these weights
    fitted_at   BIGINT NOT NULL
);
