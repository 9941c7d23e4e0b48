"""Generated test datasets in the data.go.kr / KECO / generic layouts (never real downloads)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

CLOTHING_HEADER = [
    "관리번호",
    "설치장소명",
    "시도명",
    "시군구명",
    "소재지도로명주소",
    "소재지지번주소",
    "위도",
    "경도",
    "세부위치",
    "관리기관명",
    "데이터기준일자",
]
BATTERY_HEADER = [
    "instlPlcNm",
    "dtlPstnCn",
    "ctpvNm",
    "sggNm",
    "lctnRoadNmAddr",
    "lctnLotnoAddr",
    "lat",
    "lot",
    "cltItemNm",
    "mngInstNm",
    "dataCrtrYmd",
]
MEDICINE_HEADER = [
    "설치장소명",
    "시도명",
    "시군구명",
    "소재지도로명주소",
    "소재지지번주소",
    "위도",
    "경도",
    "실제위치",
    "관리기관명",
    "데이터기준일자",
]
TRASH_HEADER = [
    "설치장소명",
    "소재지도로명주소",
    "소재지지번주소",
    "위도",
    "경도",
    "휴지통종류",
    "세부위치",
    "관리기관명",
    "데이터기준일자",
]
CENTRE_HEADER = [
    "재활용센터명",
    "소재지도로명주소",
    "소재지지번주소",
    "위도",
    "경도",
    "주요취급품목정보",
    "평일운영시작시각",
    "평일운영종료시각",
    "휴무일",
    "전화번호",
    "관리기관명",
    "데이터기준일자",
]
KECO_HEADER = [
    "positnSn",
    "positnNm",
    "positnRgnNm",
    "positnLotnoAddr",
    "positnRdnmAddr",
    "positnPstnAddExpln",
    "positnPstnLat",
    "positnPstnLot",
    "monSalsHrExplnCn",
    "tuesSalsHrExplnCn",
    "wedSalsHrExplnCn",
    "thurSalsHrExplnCn",
    "friSalsHrExplnCn",
    "satSalsHrExplnCn",
    "sunSalsHrExplnCn",
    "bscTelnoCn",
    "rprsTelnoCn",
    "clctItemCn",
]
GENERIC_HEADER = [
    "source_key",
    "name",
    "type",
    "lat",
    "lng",
    "road_address",
    "lot_address",
    "detail",
    "categories",
    "phone",
    "opening_hours",
    "source_date",
]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_text(header, rows).encode(encoding))
    return path


def clothing_rows() -> list[list[str]]:
    return [
        [
            "C-001",
            "중구청 앞",
            "서울특별시",
            "중구",
            "서울특별시 중구 창경궁로 17",
            "서울특별시 중구 예관동 120-1",
            "37.5637",
            "126.9975",
            "정문 오른쪽",
            "서울특별시 중구청",
            "2025-06-30",
        ],
        [
            "C-002",
            "필동 주민센터",
            "서울특별시",
            "중구",
            "서울특별시 중구 퇴계로 235",
            "",
            "37.5606",
            "126.9960",
            "",
            "서울특별시 중구청",
            "2025-06-30",
        ],
    ]


def battery_rows() -> list[list[str]]:
    return [
        [
            "해운대구청",
            "1층 로비",
            "부산광역시",
            "부산광역시 해운대구",
            "부산광역시 해운대구 중동2로 11",
            "",
            "35.1631",
            "129.1636",
            "형광등+건전지",
            "부산광역시 해운대구",
            "20250101",
        ],
        [
            "우동 행정복지센터",
            "",
            "부산광역시",
            "해운대구",
            "부산광역시 해운대구 우동1로 38",
            "",
            "35.1640",
            "129.1590",
            "건전지",
            "부산광역시 해운대구",
            "2025.01.01",
        ],
    ]


def medicine_rows() -> list[list[str]]:
    return [
        [
            "온누리약국",
            "세종특별자치시",
            "없음",
            "세종특별자치시 한누리대로 2130",
            "",
            "36.4800",
            "127.2890",
            "계산대 옆",
            "세종특별자치시",
            "2024-12-31",
        ]
    ]


def trash_rows() -> list[list[str]]:
    return [
        [
            "광화문역 2번 출구",
            "서울특별시 종로구 세종대로 172",
            "",
            "37.5714",
            "126.9768",
            "일반, 재활용쓰레기",
            "출구 앞",
            "서울특별시 종로구",
            "2025-11-01",
        ],
        [
            "종각역 버스정류장",
            "서울특별시 종로구 종로 55",
            "",
            "37.5701",
            "126.9830",
            "일반쓰레기",
            "",
            "서울특별시 종로구",
            "2025-11-01",
        ],
    ]


def centre_rows() -> list[list[str]]:
    return [
        [
            "강남 재활용센터",
            "서울특별시 강남구 테헤란로 1",
            "",
            "37.4980",
            "127.0270",
            "중고가구, 소형가전",
            "09:00",
            "18:00",
            "일요일",
            "02-555-0000",
            "서울특별시 강남구",
            "2025-03-01",
        ]
    ]


def keco_rows() -> list[list[str]]:
    return [
        [
            "1",
            "테스트 자원순환가게",
            "고양시",
            "경기도 고양시 덕양구 고양동 1",
            "고양시 덕양구 혜음로 1",
            "복지회관\n우측 천막",
            "37.7025",
            "126.9011",
            "휴무",
            "11:00 ~ 14:00",
            "휴무",
            "휴무",
            "휴무",
            "휴무",
            "휴무",
            "031-000-0000\n자원순환과",
            "031-000-0001",
            "투명페트병\n알루미늄 캔\n종이팩",
        ],
        [
            "2",
            "두번째 가게",
            "미추홀구",
            "",
            "주안서로 1",
            "",
            "37.4637",
            "126.6765",
            "",
            "",
            "12:00 ~ 16:00",
            "",
            "",
            "",
            "",
            "",
            "",
            "(플라스틱류)\nPP(햇반용기)\n(종이류)\n서적",
        ],
    ]


def generic_rows() -> list[list[str]]:
    return [
        [
            "g-1",
            "동네 약국",
            "medicine_bin",
            "37.5",
            "127.0",
            "서울 어딘가 1",
            "",
            "",
            "medicine",
            "02-1",
            "mon-fri 09:00-18:00; sat 09:00-13:00; sun closed",
            "2025-10-01",
        ],
        ["", "공원 수거함", "street_recycling_bin", "37.51", "127.01", "", "", "", "", "", "", ""],
    ]
