"""Real-world personal names in their native script, for the labelled name pairs.

Read by ``concord.exchange.name_pairs`` only (the matcher never sees these lists).
Each list is a whitespace-separated string so that it reads like the list it is.

Slavic and Kazakh lists give the male form; the generator derives female surnames and
patronymics by each language's rules. Male given names carry their patronymic forms
(male, female) because those are irregular (Илья → Ильич, Павел → Павлович).

Arabic names are written twice: in Arabic script and in a vocalised ASCII notation the
generator's transliteration schemes read:
    short vowels a i u, long vowels aa ii uu; consonants b t th j H(ح) kh d dh r z s
    sh S(ص) D(ض) T(ط) Z(ظ) c(ع) gh f q k l m n h w y, ' (hamza); @ is the feminine
    ending ة; doubled letters are a shadda; "al-" is the article; "_" joins the words
    of one name (cabd_al-laah is عبد الله).
"""

from __future__ import annotations

# name: patronymic male, patronymic female
RU_MALE = """
Александр:Александрович:Александровна Алексей:Алексеевич:Алексеевна
Андрей:Андреевич:Андреевна Антон:Антонович:Антоновна Артём:Артёмович:Артёмовна
Борис:Борисович:Борисовна Вадим:Вадимович:Вадимовна Валерий:Валерьевич:Валерьевна
Василий:Васильевич:Васильевна Виктор:Викторович:Викторовна Виталий:Витальевич:Витальевна
Владимир:Владимирович:Владимировна Вячеслав:Вячеславович:Вячеславовна
Геннадий:Геннадьевич:Геннадьевна Георгий:Георгиевич:Георгиевна Глеб:Глебович:Глебовна
Григорий:Григорьевич:Григорьевна Денис:Денисович:Денисовна Дмитрий:Дмитриевич:Дмитриевна
Евгений:Евгеньевич:Евгеньевна Егор:Егорович:Егоровна Иван:Иванович:Ивановна
Игорь:Игоревич:Игоревна Илья:Ильич:Ильинична Кирилл:Кириллович:Кирилловна
Константин:Константинович:Константиновна Леонид:Леонидович:Леонидовна
Максим:Максимович:Максимовна Михаил:Михайлович:Михайловна Никита:Никитич:Никитична
Николай:Николаевич:Николаевна Олег:Олегович:Олеговна Павел:Павлович:Павловна
Пётр:Петрович:Петровна Роман:Романович:Романовна Руслан:Русланович:Руслановна
Сергей:Сергеевич:Сергеевна Станислав:Станиславович:Станиславовна
Степан:Степанович:Степановна Тимур:Тимурович:Тимуровна Фёдор:Фёдорович:Фёдоровна
Юрий:Юрьевич:Юрьевна Яков:Яковлевич:Яковлевна Ярослав:Ярославович:Ярославовна
Эдуард:Эдуардович:Эдуардовна Аркадий:Аркадьевич:Аркадьевна Анатолий:Анатольевич:Анатольевна
"""
RU_FEMALE = """
Александра Алёна Алла Анастасия Анна Валентина Вера Галина Дарья Екатерина Елена
Елизавета Ирина Ксения Лариса Людмила Марина Мария Наталья Надежда Нина Ольга Полина
Светлана Софья Татьяна Юлия Яна Евгения Любовь Зоя Жанна Вероника Кристина Ульяна
"""
RU_SURNAMES = """
Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов
Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев
Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв
Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов
Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов
Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков
Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков
Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов
Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев
Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв
Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров
Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев
Акимов Кондратьев Бирюков Горбунов Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев
Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов Князев Цветков Левин
Хрущёв Шевцов Успенский Покровский Вишневский Ломоносов Петровский Иваненко Ивашов
Петрушин Соколовский Чайковский Толстой Горький Ковальский Жириновский Шуйский
"""
UK_MALE = """
Олександр:Олександрович:Олександрівна Андрій:Андрійович:Андріївна
Богдан:Богданович:Богданівна Василь:Васильович:Василівна Віктор:Вікторович:Вікторівна
Володимир:Володимирович:Володимирівна Дмитро:Дмитрович:Дмитрівна Іван:Іванович:Іванівна
Ігор:Ігорович:Ігорівна Микола:Миколайович:Миколаївна Михайло:Михайлович:Михайлівна
Олег:Олегович:Олегівна Петро:Петрович:Петрівна Роман:Романович:Романівна
Сергій:Сергійович:Сергіївна Степан:Степанович:Степанівна Тарас:Тарасович:Тарасівна
Юрій:Юрійович:Юріївна Ярослав:Ярославович:Ярославівна Олексій:Олексійович:Олексіївна
Євген:Євгенович:Євгенівна Григорій:Григорович:Григорівна Остап:Остапович:Остапівна
Павло:Павлович:Павлівна Анатолій:Анатолійович:Анатоліївна Віталій:Віталійович:Віталіївна
"""
UK_FEMALE = """
Олена Оксана Ганна Наталія Тетяна Ірина Юлія Людмила Галина Катерина Марія Світлана
Олеся Христина Соломія Ольга Віра Надія Лариса Вікторія Мирослава Зоряна Ярина Любов
"""
UK_SURNAMES = """
Шевченко Коваленко Бондаренко Ткаченко Кравченко Олійник Шевчук Коваль Бойко Ткачук
Кравчук Мельник Поліщук Лисенко Марченко Руденко Савченко Петренко Мороз Павленко
Левченко Харченко Гончаренко Литвиненко Романенко Кузьменко Тимошенко Пономаренко
Ковальчук Федоренко Мельниченко Сидоренко Яковенко Гриценко Іваненко Клименко Остапенко
Захарченко Дмитренко Власенко Бабенко Кириленко Козак Грищенко Приходько Костенко
Кушнір Білик Гнатюк Ющенко Кличко Зеленський Порошенко Франко Симоненко Кравець Швець
Гуменюк Стеценко Гребенюк Довженко Карпенко Лесюк Павлюк Семенюк Ковалишин Стефанишин
"""
BE_MALE = """
Аляксандр:Аляксандравіч:Аляксандраўна Аляксей:Аляксеевіч:Аляксееўна
Андрэй:Андрэевіч:Андрэеўна Віктар:Віктаравіч:Віктараўна Уладзімір:Уладзіміравіч:Уладзіміраўна
Сяргей:Сяргеевіч:Сяргееўна Мікалай:Мікалаевіч:Мікалаеўна Дзмітрый:Дзмітрыевіч:Дзмітрыеўна
Павел:Паўлавіч:Паўлаўна Міхаіл:Міхайлавіч:Міхайлаўна Ігар:Ігаравіч:Ігараўна
Іван:Іванавіч:Іванаўна Юрый:Юр'евіч:Юр'еўна Алесь:Алесевіч:Алесеўна
Васіль:Васілевіч:Васілеўна Рыгор:Рыгоравіч:Рыгораўна Францішак:Францішкавіч:Францішкаўна
"""
BE_FEMALE = """
Вольга Наталля Алена Святлана Таццяна Ірына Марыя Юлія Кацярына Ганна Людміла
Валянціна Ядвіга Алеся Вераніка
"""
BE_SURNAMES = """
Лукашэнка Каваленка Шушкевіч Багдановіч Казлоў Новік Мельнік Навумчык Ясюкевіч Кавалёў
Мартынаў Шапавалаў Макей Бабарыка Каліноўскі Вашкевіч Марозаў Жук Лапіцкі Грыгаровіч
Быкаў Караткевіч Колас Брыль Мулявін Дамашэвіч Сямашка Кулешоў Пазняк Статкевіч
"""
KK_MALE = """
Нұрсұлтан Ерлан Асқар Серік Бауыржан Нұрлан Дәурен Айдар Марат Ержан Қайрат Болат
Ғалым Тимур Арман Дәулет Мұрат Бекзат Ербол Қасым Жомарт Әлихан Ақылбек Еркебұлан
"""
KK_FEMALE = """
Айгүл Гүлнара Айжан Динара Жанар Сәуле Меруерт Әсел Ақмарал Гүлмира Жұлдыз Аружан
Мөлдір Дина Ләззат Назерке
"""
KK_SURNAMES = """
Назарбаев Тоқаев Жұмабаев Сәрсенбаев Әбілов Омаров Серікбаев Ахметов Исабеков
Байтұрсынов Кенжебаев Мұхаметжанов Темірханов Оспанов Сүлейменов Әуезов Құнанбаев
Мамыров Бекмұхамбетов Ысқақов Төлеуов Жақыпов Қасымов Нұрпейісов Әлиев Масимов
"""

# Arabic script = notation
AR_MALE = """
محمد=muHammad أحمد=aHmad علي=calii حسن=Hasan حسين=Husayn عمر=cumar خالد=khaalid
يوسف=yuusuf إبراهيم=ibraahiim عبد_الله=cabd_al-laah عبد_الرحمن=cabd_al-raHmaan
عبد_العزيز=cabd_al-caziiz مصطفى=muSTafaa محمود=maHmuud سعيد=saciid طارق=Taariq
كريم=kariim جمال=jamaal سمير=samiir ناصر=naaSir فيصل=faySal حمزة=Hamz@ بلال=bilaal
زياد=ziyaad رامي=raamii وليد=waliid ياسر=yaasir عادل=caadil منصور=manSuur صالح=SaaliH
سليمان=sulaymaan عثمان=cuthmaan إسماعيل=ismaaciil نبيل=nabiil هشام=hishaam
رشيد=rashiid مراد=muraad سليم=saliim أنور=anwar فؤاد=fu'aad أيمن=ayman أسامة=usaam@
بشير=bashiir جعفر=jacfar قاسم=qaasim مالك=maalik نور_الدين=nuur_al-diin
صلاح_الدين=SalaaH_al-diin حامد=Haamid عماد=cimaad رياض=riyaaD ماجد=maajid فارس=faaris
غسان=ghassaan عبد_القادر=cabd_al-qaadir عبد_الحميد=cabd_al-Hamiid إلياس=ilyaas
زكي=zakii شادي=shaadii مروان=marwaan لؤي=lu'ayy قصي=quSayy يزن=yazan حازم=Haazim
ثامر=thaamir سعد=sacd زيد=zayd ناجي=naajii
"""
AR_FEMALE = """
فاطمة=faaTim@ عائشة=caa'ish@ مريم=maryam زينب=zaynab خديجة=khadiij@ نور=nuur ليلى=laylaa
سارة=saar@ هدى=hudaa أمينة=amiin@ ياسمين=yaasmiin رانيا=raaniyaa سلمى=salmaa
نادية=naadiy@ سميرة=samiir@ لينا=liinaa رغد=raghad هبة=hib@ دعاء=ducaa' ريم=riim
شيماء=shaymaa' منى=munaa
"""
AR_SURNAMES = """
حداد=Haddaad خوري=khuurii منصور=manSuur ناصر=naaSir الخطيب=al-khaTiib الشامي=al-shaamii
الرشيد=al-rashiid العلي=al-calii السيد=al-sayyid النجار=al-najjaar الحلبي=al-Halabii
المصري=al-maSrii البغدادي=al-baghdaadii التميمي=al-tamiimii الزهراني=al-zahraanii
القحطاني=al-qaHTaanii العتيبي=al-cutaybii الشمري=al-shammarii الهاشمي=al-haashimii
الفاسي=al-faasii عباس=cabbaas درويش=darwiish سلامة=salaam@ عيسى=ciisaa يونس=yuunus
حمدان=Hamdaan جابر=jaabir عودة=cawd@ شريف=shariif زيدان=zaydaan الأحمد=al-aHmad
الخليل=al-khaliil البرغوثي=al-barghuuthii الكردي=al-kurdii العمري=al-cumarii
الجبوري=al-jubuurii الدليمي=al-dulaymii الحسيني=al-Husaynii المالكي=al-maalikii
الساعدي=al-saacidii الطرابلسي=al-Taraabulusii العبيدي=al-cubaydii النقيب=al-naqiib
الحكيم=al-Hakiim
"""

# Latin-script European names with diacritics: given names by gender, surnames (male
# form; the generator keeps them as they are).
EU_NAMES = {
    "pl": (
        "Łukasz Wojciech Krzysztof Paweł Jerzy Michał Piotr Tomasz Bartłomiej Grzegorz Jędrzej",
        "Małgorzata Agnieszka Zofia Katarzyna Joanna Bożena Jadwiga Łucja Dorota Żaneta",
        "Wójcik Kowalczyk Wiśniewski Dąbrowski Zieliński Woźniak Kamiński Lewandowski "
        "Szymański Kozłowski Jankowski Mazur Krawczyk Gałązka Żurawski Błaszczykowski "
        "Kowalski Kowalewski Wiśniowski Pietrzak Sęk Nowicki",
    ),
    "cs": (
        "Jiří Petr Tomáš Jan Lukáš Martin Václav Zdeněk Radek Bořivoj Ondřej",
        "Jana Eva Kateřina Lenka Věra Markéta Alžběta Šárka",
        "Dvořák Novák Černý Procházka Kučera Veselý Svoboda Marek Štěpánek Pospíšil Růžička "
        "Šťastný Hájek Novotný Nováček Krejčí Doležal",
    ),
    "tr": (
        "Mehmet Ahmet Mustafa Hüseyin İbrahim Hasan Murat Çağlar Gökhan Ömer Uğur Barış",
        "Ayşe Fatma Emine Zeynep Elif Özlem Gülşen Şükran Büşra",
        "Öztürk Yılmaz Şahin Çelik Doğan Kılıç Aydın Arslan Koç Kurt Özdemir Aksoy Güneş "
        "Yıldız Erdoğan Çakır Özkan Karataş Şimşek",
    ),
    "de": (
        "Jürgen Günter Björn Sören Jörg Uwe Hans-Jürgen Lutz Götz Dieter",
        "Käthe Dörte Bärbel Ursula Jutta Gisela Sabine Jördis",
        "Müller Schäfer Weiß Köhler Schröder Bäcker Krüger Groß Hoffmann Schmidt Schulz Meißner "
        "Jäger Möller Müllner Förster Köster Böhm",
    ),
    "fr": (
        "François Jérôme Loïc Noël Frédéric Hervé Benoît Gaël Joël Cédric Jean-Loïc",
        "Hélène Gaëlle Céline Agnès Thérèse Françoise Élodie Zoé Maëlle",
        "Lefèvre Dubois Bérégovoy Rivière Le_Guénec Bénard Ménard Lévêque Mérieux Faure Gauthier "
        "Girard Lefebvre Lemaître Boulanger Duchêne Béranger",
    ),
    "sh": (
        "Đorđe Željko Dragan Miloš Goran Nikša Dražen",
        "Ivana Jelena Mirjana Snežana Gordana Dušica",
        "Marković Petrović Šimić Đukić Jovanović Nikolić Stojanović Kovačević Babić Živković",
    ),
}
