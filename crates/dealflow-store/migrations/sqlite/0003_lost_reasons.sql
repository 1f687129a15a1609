-- Why deals are lost: a lookup the close dialog offers and the analytics group by. An
-- opportunity's close_reason holds the code of one of these rows (or free text from the API).
CREATE TABLE lost_reasons (
    code TEXT PRIMARY KEY,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);

INSERT INTO lost_reasons (code, name_ru, name_en, position) VALUES
    ('price', 'Не устроила цена', 'Price too high', 1),
    ('competitor', 'Выбрали конкурента', 'Chose a competitor', 2),
    ('no_budget', 'Нет бюджета', 'No budget', 3),
    ('postponed', 'Решение отложено', 'Decision postponed', 4),
    ('no_response', 'Клиент перестал отвечать', 'Customer stopped responding', 5),
    ('other', 'Другое', 'Other', 6);

-- The settings page shows these descriptions; written in words, without codes, in each language.
UPDATE settings SET description_ru = 'Валюта всех сумм: трёхбуквенный код по международному стандарту.',
    description_en = 'The currency of all amounts: its three-letter ISO 4217 code.' WHERE key = 'currency';
UPDATE settings SET description_ru = 'Язык по умолчанию для новых пользователей: русский или английский.',
    description_en = 'The default language for new users: Russian or English.' WHERE key = 'default_locale';
