-- The optional local service contact of an agreement (the township service
-- station or a village contact), printed on cards beside the hotline; ''
-- when the agreement names none.
ALTER TABLE agreements ADD COLUMN service_name VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE agreements ADD COLUMN service_phone VARCHAR(32) NOT NULL DEFAULT '';
