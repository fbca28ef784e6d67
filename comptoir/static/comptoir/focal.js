// The media page: a click on the picture sets its focal point (the form's two fields) and moves the marker.
document.addEventListener("click", (event) => {
  const image = event.target.closest(".focal-frame img");
  if (!image) return;
  const box = image.getBoundingClientRect();
  const x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
  const y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
  document.getElementById("id_focal_x").value = x.toFixed(2);
  document.getElementById("id_focal_y").value = y.toFixed(2);
  const dot = image.parentElement.querySelector(".focal-dot");
  dot.style.left = `${(x * 100).toFixed(1)}%`;
  dot.style.top = `${(y * 100).toFixed(1)}%`;
});
