// Korean first; English when the browser prefers it over Korean.
const STRINGS = {
  ko: {
    skip: "본문으로 건너뛰기", title: "AI 분리배출 코치", menu: "메뉴",
    nav_scan: "사진으로 묻기", nav_search: "품목 검색", nav_history: "기록", logout: "로그아웃",
    login_title: "로그인", login_intro: "사진 한 장이나 품목 이름으로 어디에 어떻게 버리는지 알려 드려요.",
    dev_title: "개발용 로그인", dev_hint: "개발·테스트 서버에서만 보입니다. 닉네임만으로 로그인해요.",
    nickname: "닉네임", dev_submit: "로그인",
    no_login: "이 서버에는 사용할 수 있는 로그인 방법이 설정되어 있지 않아요.",
    provider_kakao: "카카오로 로그인", provider_naver: "네이버로 로그인", provider_google: "Google로 로그인",
    scan_title: "사진으로 묻기", take_photo: "사진 찍기", pick_file: "파일 선택",
    nothing_picked: "아직 고른 사진이 없어요.", picked: "고른 파일: {name}",
    note: "메모 (선택)", note_placeholder: "예: 투명 페트병, 라벨 있음",
    use_location: "내 위치로 가까운 배출 장소도 찾기", analyse: "분석하기", progress: "진행 상황",
    stage_upload: "사진 올리는 중", stage_queued: "대기 중", stage_analysing: "사진 분석 중",
    stage_grounding: "배출 기준 확인 중", stage_done: "완료", stage_failed: "실패",
    uploading: "사진을 올리는 중… {pct}%",
    need_photo: "먼저 사진을 찍거나 파일을 골라 주세요.",
    not_image: "이미지 파일(JPEG, PNG, WebP)만 올릴 수 있어요. 고른 파일: {name}",
    too_large: "사진이 너무 커요 ({size} MB). {max} MB 이하로 올려 주세요.",
    result_title: "분석 결과", where: "어디에", steps: "이렇게 버려요", mistakes: "자주 하는 실수",
    hazard: "주의", source: "출처", confidence: "확신도 {pct}%", region: "지역마다 다를 수 있어요. 구청 안내를 확인하세요.",
    no_items: "품목을 알아보지 못했어요. 메모에 품목 이름을 적어 다시 시도하거나 검색해 보세요.",
    question_help: "답을 고르면 안내가 바뀌어요.",
    wrong: "이게 아니에요", wrong_title: "무엇인지 검색해서 고르기", wrong_label: "실제 품목 이름",
    choose: "이 품목이에요", thanks: "고마워요. 알려 주신 내용으로 안내를 바꿨어요.",
    nearby: "가까운 배출 장소", nearby_loading: "가까운 장소를 찾는 중…", nearby_none: "가까운 곳에 이 품목을 받는 장소가 없어요.",
    nearby_noloc: "위치를 알 수 없어 가까운 장소를 찾지 못했어요.",
    distance: "{m} m", open_now: "지금 운영 중", closed_now: "지금은 닫힘", hours_unknown: "운영 시간 정보 없음",
    kakao_map: "카카오맵에서 보기", map_label: "가까운 배출 장소 지도", map_failed: "지도를 불러올 수 없어요. 목록을 참고하세요.",
    search_title: "품목 검색", search_label: "품목 이름", search_placeholder: "예: 우유팩, 건전지", search: "검색",
    search_count: "{n}개 찾았어요", search_none: "'{q}'에 맞는 품목이 없어요. 다른 이름으로 찾아보세요.",
    details: "자세히",
    history_title: "기록", more: "더 보기", history_empty: "아직 분석한 사진이 없어요.",
    stats_total: "전체 {n}회", streak: "연속 {n}일째", streak_longest: "최장 {n}일", scanned_today: "오늘 분석함",
    not_today: "오늘은 아직", top_categories: "많이 버린 종류",
    open_scan: "결과 보기", status_done: "완료", status_failed: "실패", status_pending: "진행 중",
    days: ["일", "월", "화", "수", "목", "금", "토"],
    weekdays: { mon: "월", tue: "화", wed: "수", thu: "목", fri: "금", sat: "토", sun: "일", hol: "공휴일" },
    footer: "추적 도구를 쓰지 않습니다. 사진의 위치 정보(EXIF)는 서버에서 지워져요.",
    error: "문제가 생겼어요: {detail}", network: "서버에 연결할 수 없어요. 잠시 뒤 다시 시도해 주세요.",
    session_over: "로그인이 끝났어요. 다시 로그인해 주세요.",
    cookies_refused: "브라우저가 로그인 쿠키를 받지 않았어요. https로 접속하거나, 개발 중 http로 접속한다면 WASTE_AUTH_COOKIE_SECURE=false로 서버를 시작하세요.",
    code_unsupported_image_type: "이미지로 읽을 수 없는 파일이에요. JPEG, PNG, WebP 사진을 골라 주세요.",
    code_corrupt_image: "사진 파일이 손상되었어요. 다른 사진을 골라 주세요.",
    code_image_too_many_pixels: "사진의 해상도가 너무 커요. 더 작은 사진을 골라 주세요.",
    code_unsupported_media_type: "이미지 파일(JPEG, PNG, WebP)만 올릴 수 있어요.",
    code_image_too_large: "사진이 너무 커요. 더 작은 사진을 골라 주세요.",
    code_empty_image: "빈 파일이에요. 다른 사진을 골라 주세요.",
    code_provider_denied: "로그인이 취소되었거나 거절되었어요. 다시 시도해 주세요.",
    code_scan_quota_exceeded: "오늘 분석할 수 있는 횟수를 다 썼어요. 내일 다시 시도해 주세요.",
  },
  en: {
    skip: "Skip to content", title: "AI Waste Coach", menu: "Menu",
    nav_scan: "Ask with a photo", nav_search: "Search items", nav_history: "History", logout: "Log out",
    login_title: "Log in", login_intro: "A photo or an item's name tells you where it goes and how.",
    dev_title: "Development login", dev_hint: "Shown on development and test servers only: log in with a nickname.",
    nickname: "Nickname", dev_submit: "Log in",
    no_login: "No login method is configured on this server.",
    provider_kakao: "Log in with Kakao", provider_naver: "Log in with Naver", provider_google: "Log in with Google",
    scan_title: "Ask with a photo", take_photo: "Take a photo", pick_file: "Choose a file",
    nothing_picked: "No photo chosen yet.", picked: "Chosen file: {name}",
    note: "Note (optional)", note_placeholder: "e.g. clear PET bottle, with label",
    use_location: "Also find drop-off points near me", analyse: "Analyse", progress: "Progress",
    stage_upload: "Uploading the photo", stage_queued: "Queued", stage_analysing: "Analysing the photo",
    stage_grounding: "Checking the rules", stage_done: "Done", stage_failed: "Failed",
    uploading: "Uploading the photo… {pct}%",
    need_photo: "Take a photo or choose a file first.",
    not_image: "Only image files (JPEG, PNG, WebP) can be uploaded. Chosen file: {name}",
    too_large: "The photo is too large ({size} MB). Upload one of {max} MB or less.",
    result_title: "Result", where: "Where it goes", steps: "How to throw it away", mistakes: "Common mistakes",
    hazard: "Warning", source: "Source", confidence: "Confidence {pct}%", region: "Rules differ by district: check your district office's guide.",
    no_items: "No item was recognised. Name the item in the note and try again, or search for it.",
    question_help: "Your answer changes the guidance.",
    wrong: "This is wrong", wrong_title: "Search for what it really is", wrong_label: "The item's real name",
    choose: "It's this one", thanks: "Thank you. The guidance now follows your correction.",
    nearby: "Nearby drop-off points", nearby_loading: "Looking for nearby points…", nearby_none: "No point nearby takes this item.",
    nearby_noloc: "Your location is unknown, so no nearby points could be found.",
    distance: "{m} m", open_now: "Open now", closed_now: "Closed now", hours_unknown: "Opening hours unknown",
    kakao_map: "Open in Kakao Map", map_label: "Map of nearby drop-off points", map_failed: "The map could not be loaded; see the list.",
    search_title: "Search items", search_label: "Item name", search_placeholder: "e.g. milk carton, battery", search: "Search",
    search_count: "{n} found", search_none: "No item matches '{q}'. Try another name.",
    details: "Details",
    history_title: "History", more: "Show more", history_empty: "No photos analysed yet.",
    stats_total: "{n} scans", streak: "{n}-day streak", streak_longest: "longest {n} days", scanned_today: "scanned today",
    not_today: "not yet today", top_categories: "Most frequent",
    open_scan: "Show result", status_done: "done", status_failed: "failed", status_pending: "in progress",
    days: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    weekdays: { mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat", sun: "Sun", hol: "Holidays" },
    footer: "No tracking. Location data (EXIF) is stripped from photos on the server.",
    error: "Something went wrong: {detail}", network: "The server cannot be reached. Try again in a moment.",
    session_over: "Your session has ended. Please log in again.",
    cookies_refused: "The browser did not accept the login cookie. Use https, or start the server with WASTE_AUTH_COOKIE_SECURE=false while developing over plain http.",
    code_unsupported_image_type: "This file cannot be read as an image. Choose a JPEG, PNG or WebP photo.",
    code_corrupt_image: "The photo file is damaged. Choose another photo.",
    code_image_too_many_pixels: "The photo's resolution is too high. Choose a smaller one.",
    code_unsupported_media_type: "Only image files (JPEG, PNG, WebP) can be uploaded.",
    code_image_too_large: "The photo is too large. Choose a smaller one.",
    code_empty_image: "The file is empty. Choose another photo.",
    code_provider_denied: "The login was cancelled or refused. Please try again.",
    code_scan_quota_exceeded: "You have used today's scans. Try again tomorrow.",
  },
};

export function pickLanguage(preferred) {
  for (const tag of preferred || []) {
    const base = String(tag).toLowerCase().slice(0, 2);
    if (base === "ko" || base === "en") return base;
  }
  return "ko";
}

export const lang = pickLanguage(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);

export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.ko[key] ?? key;
  if (typeof text !== "string") return text;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** Fill every `data-i18n` element (text), `data-i18n-placeholder` and `data-i18n-label` (aria-label). */
export function translatePage(root = document) {
  document.documentElement.lang = lang;
  document.title = t("title");
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
}
