-- demo.sql -- demo programme data, loaded by taawund once into an empty
-- database when programme.demo_data names this file (the default config does).
-- Cooperative codes are digits: members type them on a keypad.
INSERT INTO cooperatives (code, name, province, sector, created_at, updated_at) VALUES
 ('1001', 'Cooperative Al Amal des femmes artisanes', 'oujda-angad', 'handicraft', strftime('%s','now'), strftime('%s','now')),
 ('1002', 'Cooperative Angad Miel', 'oujda-angad', 'agrifood', strftime('%s','now'), strftime('%s','now')),
 ('2001', 'Cooperative Agrumes de Berkane', 'berkane', 'agriculture', strftime('%s','now'), strftime('%s','now')),
 ('2002', 'Dar Al-Mutaawina Berkane', 'berkane', 'textile', strftime('%s','now'), strftime('%s','now')),
 ('3001', 'Cooperative Nador Peche Artisanale', 'nador', 'services', strftime('%s','now'), strftime('%s','now')),
 ('4001', 'Cooperative Driouch Amandes', 'driouch', 'agriculture', strftime('%s','now'), strftime('%s','now')),
 ('5001', 'Cooperative Taourirt Huile d''Olive', 'taourirt', 'agrifood', strftime('%s','now'), strftime('%s','now')),
 ('6001', 'Cooperative Jerada Tapis', 'jerada', 'handicraft', strftime('%s','now'), strftime('%s','now')),
 ('7001', 'Cooperative Guercif Elevage Ovin', 'guercif', 'livestock', strftime('%s','now'), strftime('%s','now')),
 ('8001', 'Cooperative Oasis de Figuig Dattes', 'figuig', 'agrifood', strftime('%s','now'), strftime('%s','now'));
