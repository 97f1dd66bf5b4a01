-- When a super-user turns duty on outside their duty hours (a weekend, an
-- evening), they are routed questions until this instant (unix ms); NULL =
-- their duty hours decide. See support.Helper.DutyOnUntil.
ALTER TABLE member ADD COLUMN duty_until BIGINT;
